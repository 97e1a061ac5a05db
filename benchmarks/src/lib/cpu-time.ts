import { readFileSync } from 'node:fs'

// Linux reports utime and stime in USER_HZ ticks, which the kernel fixes at 100 per second for
// user space whatever its internal HZ.
const MS_PER_TICK = 10

/**
 * CPU time (user + system, every thread) a process has used so far, in ms, from /proc/<pid>/stat;
 * NaN where there is no /proc. Ten-millisecond resolution: enough over a measured run of seconds.
 */
export function cpuTimeMs (pid: number, procRoot = '/proc'): number {
  let stat: string
  try {
    stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8')
  } catch {
    return Number.NaN
  }
  // "pid (comm) state ppid ...": comm may hold spaces or ')', so split after the last ')'.
  // After it, field 0 is state; utime and stime are fields 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK
}

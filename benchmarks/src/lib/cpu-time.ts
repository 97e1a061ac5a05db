import { readFileSync } from 'node:fs'

// Linux reports utime and stime in USER_HZ ticks, which the kernel fixes at 100 per second for
// user space whatever its internal HZ.
const MS_PER_TICK = 10

/** user + system CPU time from a /proc stat file, ms; NaN when it cannot be read (no /proc). */
function statCpuMs (path: string): number {
  let stat: string
  try {
    stat = readFileSync(path, 'utf8')
  } catch {
    return Number.NaN
  }
  // "pid (comm) state ppid ...": comm may hold spaces or ')', so split after the last ')'.
  // After it, field 0 is state; utime and stime are fields 11 and 12.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK
}

/**
 * CPU time a process has used so far, ms: every thread (`process`), and its main thread alone
 * (`mainThread`), where a Node server runs JavaScript; GC helpers, the compiler and libuv's pool
 * are the rest. Ten-millisecond resolution: enough over a measured run of seconds.
 */
export interface CpuSample { process: number, mainThread: number }

export function cpuSample (pid: number, procRoot = '/proc'): CpuSample {
  return {
    process: statCpuMs(`${procRoot}/${pid}/stat`),
    mainThread: statCpuMs(`${procRoot}/${pid}/task/${pid}/stat`)
  }
}

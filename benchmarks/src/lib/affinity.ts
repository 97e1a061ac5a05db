import { execFileSync } from 'node:child_process'
import os from 'node:os'

/**
 * CPU pinning for HTTP runs. On a small machine the load generator and the server otherwise
 * fight over the same cores and the ratio mostly measures the scheduler. With two or more cores
 * and util-linux's `taskset`, the runner (and so autocannon, wrk and the micro workers it starts)
 * keeps the last core and each server process gets the others. In paired runs both servers share
 * the first core, so each gets half of one CPU and every slowdown of it hits both alike.
 */
export interface Pinning { server: string, pair: string, load: string }

function detect (): Pinning | null {
  const cores = os.availableParallelism()
  if (cores < 2) return null
  try {
    execFileSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' })
  } catch {
    return null
  }
  return { server: cores === 2 ? '0' : `0-${cores - 2}`, pair: '0', load: String(cores - 1) }
}

export const pinning: Pinning | null = detect()

/** Restricts a running process to `cpus` (a taskset list such as `0` or `0-2`). */
export function pin (pid: number, cpus: string): void {
  execFileSync('taskset', ['-pc', cpus, String(pid)], { stdio: 'ignore' })
}

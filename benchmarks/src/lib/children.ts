import { fork, type ChildProcess } from 'node:child_process'
import type { ErrorMessage } from './ipc.js'

const live = new Set<ChildProcess>()

/** Forks a Node script with an IPC channel; tracked so an interrupted run leaves no orphans. */
export function forkTracked (script: string, args: string[], execArgv: string[] = process.execArgv): ChildProcess {
  const child = fork(script, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv })
  live.add(child)
  child.once('exit', () => live.delete(child))
  return child
}

export function killAll (): void {
  for (const child of live) child.kill('SIGKILL')
}

/** SIGTERM, then SIGKILL if the child has not exited within `graceMs`. */
export function stopChild (child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs)
    child.once('exit', () => {
      clearTimeout(timer)
      resolve()
    })
    child.kill('SIGTERM')
  })
}

/** For child entry points: report a fatal error to the parent (if any) and exit 1. */
export function failChild (err: unknown): void {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err)
  console.error(message)
  if (process.send !== undefined && process.connected) {
    process.send({ type: 'error', message: err instanceof Error ? err.message : String(err) } satisfies ErrorMessage, () => process.exit(1))
  } else {
    process.exit(1)
  }
}

import { fork, type ChildProcess } from 'node:child_process'

export interface ErrorMessage { type: 'error', message: string }

/** A guard for the IPC message whose `type` is `type`. */
export function isMessage<T extends { type: string }> (type: T['type']): (m: unknown) => m is T {
  return (m: unknown): m is T => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type
}

const isErrorMessage = isMessage<ErrorMessage>('error')

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

/** Resolves with the first IPC message that passes `accept`; rejects if the child exits first or on timeout. */
export function waitForMessage<T> (child: ChildProcess, accept: (m: unknown) => m is T, timeoutMs: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what}: no answer within ${timeoutMs / 1000} s`)), timeoutMs)
    const onMessage = (m: unknown): void => {
      if (isErrorMessage(m)) done(new Error(`${what}: ${m.message}`))
      else if (accept(m)) done(null, m)
    }
    const onExit = (code: number | null, signal: string | null): void => done(new Error(`${what}: child exited (code ${code}, signal ${signal})`))
    function done (err: Error | null, value?: T): void {
      clearTimeout(timer)
      child.off('message', onMessage)
      child.off('exit', onExit)
      if (err !== null) reject(err)
      else resolve(value as T)
    }
    child.on('message', onMessage)
    child.once('exit', onExit)
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

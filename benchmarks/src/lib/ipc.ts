// The IPC conversation between the runner and its child processes, written against the events a
// `ChildProcess` emits so it can be tested on a stand-in.

export interface ErrorMessage { type: 'error', message: string }

/** The part of a `ChildProcess` that waiting for a message uses. */
export interface MessageSource {
  on: (event: 'message', listener: (m: unknown) => void) => unknown
  once: (event: 'exit', listener: (code: number | null, signal: string | null) => void) => unknown
  off: ((event: 'message', listener: (m: unknown) => void) => unknown) & ((event: 'exit', listener: (code: number | null, signal: string | null) => void) => unknown)
}

/** A guard for the IPC message whose `type` is `type`. */
export function isMessage<T extends { type: string }> (type: T['type']): (m: unknown) => m is T {
  return (m: unknown): m is T => typeof m === 'object' && m !== null && (m as { type?: unknown }).type === type
}

export const isErrorMessage = isMessage<ErrorMessage>('error')

/**
 * Resolves with the first IPC message that passes `accept`; rejects on an `ErrorMessage`, when the
 * child exits first, or after `timeoutMs`.
 */
export function waitForMessage<T> (child: MessageSource, accept: (m: unknown) => m is T, timeoutMs: number, what: string): Promise<T> {
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

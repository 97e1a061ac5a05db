import FakeTimers from '@sinonjs/fake-timers'

interface Teardown { teardown: (fn: () => void) => void }

export type Clock = ReturnType<typeof FakeTimers.install>

/**
 * Fakes Date, setTimeout and setImmediate (the timer heap stamps batched deadlines in an
 * immediate), not nextTick or queueMicrotask.
 */
export function fakeClock (t: Teardown, now = 1_000_000): Clock {
  const clock = FakeTimers.install({ now, toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] })
  t.teardown(() => clock.uninstall())
  return clock
}

export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
}

export function deferred<T = unknown> (): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((_resolve, _reject) => { resolve = _resolve; reject = _reject })
  return { promise, resolve, reject }
}

export const ok = async (): Promise<string> => 'ok'
export const boom = async (): Promise<never> => { throw new Error('boom') }

/** Settles a promise into a value for assertions without unhandled rejections. */
export async function settle<T> (p: Promise<T>): Promise<{ ok: true, value: T } | { ok: false, error: Error & { code?: string, statusCode?: number, headers?: Record<string, string>, retryAfterMs?: number, cause?: unknown } }> {
  try {
    return { ok: true, value: await p }
  } catch (error) {
    return { ok: false, error: error as Error }
  }
}

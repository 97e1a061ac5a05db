import FakeTimers from '@sinonjs/fake-timers'

/** An installed fake clock (`tick`, `tickAsync`, `runAllAsync`, `uninstall`…). */
export type FakeClock = ReturnType<typeof FakeTimers.install>
type FakeMethod = NonNullable<NonNullable<Parameters<typeof FakeTimers.install>[0]>['toFake']>[number]

interface Teardown { teardown: (fn: () => void) => void }

export interface FakeClockOptions {
  /** The fake `Date.now()` at install. @default 1_000_000 */
  now?: number
  /** What is faked. nextTick and queueMicrotask never are, so promises keep settling. @default timers, immediates, intervals, Date and performance */
  toFake?: FakeMethod[]
}

const DEFAULT_FAKES: FakeMethod[] = [
  'setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'setInterval', 'clearInterval', 'Date', 'performance'
]

/** A fake clock for one test, uninstalled at its teardown. */
export function fakeClock (t: Teardown, options: FakeClockOptions = {}): FakeClock {
  const clock = FakeTimers.install({ now: options.now ?? 1_000_000, toFake: options.toFake ?? DEFAULT_FAKES })
  t.teardown(() => clock.uninstall())
  return clock
}

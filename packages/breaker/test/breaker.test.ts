import t from 'tap'
import { BreakerOpenError, circuitBreaker, createPolicy, stateChannel } from '../src/core/index.js'
import type { Policy, StateChangeEvent } from '../src/core/index.js'
import { deferred, fakeClock } from '@highload/testing'
import { boom, ok, settle } from './helpers.js'

const small = { windowSize: 10, minimumCalls: 4, failureRateThreshold: 50, openMs: 5000, halfOpenCalls: 2 }

async function fail (p: Policy, n: number): Promise<void> {
  for (let i = 0; i < n; i++) await settle(p.execute(boom))
}

t.test('nothing opens below minimumCalls; the call reaching it is judged', async (t) => {
  fakeClock(t)
  const events: StateChangeEvent[] = []
  const p = circuitBreaker({ ...small, name: 'pay', onStateChange: (e) => events.push(e) })
  t.equal(p.name, 'pay')
  t.equal(p.key, null)
  await fail(p, 3)
  t.equal(p.state, 'closed', 'below minimumCalls nothing opens')
  t.equal(p.snapshot().failureRate, null)
  t.equal(await p.execute(ok), 'ok', 'the success is returned')
  t.equal(p.state, 'open', '3 of 4 failed: 75 % >= 50 %')
  t.match(events, [{ name: 'pay', key: null, from: 'closed', to: 'open', reason: 'failure-rate', openMs: 5000 }])
})

t.test('below the threshold stays closed; at it opens, with a truthful Retry-After', async (t) => {
  const clock = fakeClock(t)
  const p = circuitBreaker(small)
  await p.execute(ok)
  await p.execute(ok)
  await fail(p, 1)
  t.equal(p.state, 'closed')
  t.match(p.snapshot(), { calls: 3, failedCalls: 1, failureRate: null })
  await fail(p, 1) // 2 of 4 = 50 %
  t.equal(p.state, 'open')
  t.equal(p.snapshot().retryAfterMs, 5000)
  await clock.tickAsync(2300)
  let called = false
  const r = await settle(p.execute(async () => { called = true }))
  t.equal(called, false, 'an open breaker does not call the dependency')
  t.notOk(r.ok)
  if (r.ok) return
  t.ok(r.error instanceof BreakerOpenError)
  t.equal(r.error.code, 'HL_BREAKER_OPEN')
  t.equal(r.error.statusCode, 503)
  t.equal(r.error.retryAfterMs, 2700)
  t.same(r.error.headers, { 'retry-after': '3' }, 'remaining 2.7 s rounded up')
  t.match(r.error.cause, { message: 'boom' }, 'the failure that tripped it is the cause')
  t.match(r.error.message, /default/)
})

t.test('half-open admits N probes, fails the rest fast, closes when they succeed', async (t) => {
  const clock = fakeClock(t)
  const p = circuitBreaker(small)
  await fail(p, 4)
  t.equal(p.state, 'open')
  await clock.tickAsync(5000)
  t.equal(p.state, 'half-open')
  const a = deferred<string>()
  const b = deferred<string>()
  const p1 = p.execute(() => a.promise)
  const p2 = p.execute(() => b.promise)
  const third = await settle(p.execute(ok))
  t.notOk(third.ok, 'probe slots are full: fail fast, do not wait')
  if (!third.ok) t.equal(third.error.headers?.['retry-after'], '1')
  a.resolve('a')
  t.equal(await p1, 'a')
  t.equal(p.state, 'half-open', 'one probe is not a verdict')
  b.resolve('b')
  await p2
  t.equal(p.state, 'closed')
  t.equal(p.snapshot().calls, 0, 'closing starts a fresh window')
})

t.test('a failed probe re-opens, and open time grows with openMultiplier up to maxOpenMs', async (t) => {
  const clock = fakeClock(t)
  const events: StateChangeEvent[] = []
  const p = circuitBreaker({ ...small, openMultiplier: 2, maxOpenMs: 12_000, onStateChange: (e) => events.push(e) })
  await fail(p, 4)
  const opens: number[] = []
  for (let i = 0; i < 3; i++) {
    await clock.tickAsync(p.snapshot().retryAfterMs)
    await fail(p, 1) // 1 of 2 probes failed = 50 %: re-open at once
    opens.push(p.snapshot().retryAfterMs)
  }
  t.same(opens, [10_000, 12_000, 12_000])
  t.same(events.map((e) => e.reason), ['failure-rate', 'open-elapsed', 'probes-failed', 'open-elapsed', 'probes-failed', 'open-elapsed', 'probes-failed'])
  await clock.tickAsync(12_000)
  await p.execute(ok)
  await p.execute(ok)
  t.equal(p.state, 'closed')
  await fail(p, 4)
  t.equal(p.snapshot().retryAfterMs, 5000, 'a successful close resets the growth')
})

t.test('openJitter spreads the open time within ±jitter', async (t) => {
  fakeClock(t)
  const seen = new Set<number>()
  for (let i = 0; i < 20; i++) {
    const p = circuitBreaker({ ...small, openJitter: 0.2 })
    await fail(p, 4)
    const ms = p.snapshot().retryAfterMs
    t.ok(ms >= 4000 && ms <= 6000, `${ms} within 5000 ± 20 %`)
    seen.add(ms)
  }
  t.ok(seen.size > 1, 'not all equal')
})

t.test('a half-open probe that never returns does not wedge the breaker', async (t) => {
  const clock = fakeClock(t)
  const p = circuitBreaker({ ...small, halfOpenCalls: 1, halfOpenMaxWaitMs: 10_000 })
  await fail(p, 4)
  await clock.tickAsync(5000)
  const hung = p.execute(() => new Promise<never>(() => {}))
  hung.catch(() => {}) // never settles; kept only to hold the probe slot
  t.equal(p.state, 'half-open')
  await clock.tickAsync(9_999)
  t.notOk((await settle(p.execute(ok))).ok, 'still waiting for the probe')
  await clock.tickAsync(1)
  const r = await settle(p.execute(ok))
  t.notOk(r.ok)
  t.equal(p.state, 'open', 'the stuck half-open re-opened')
  await clock.tickAsync(5000)
  t.equal(await p.execute(ok), 'ok', 'a new probe is admitted after the open time')
  t.equal(p.state, 'closed')
})

t.test('a late outcome from an older generation is not recorded', async (t) => {
  const clock = fakeClock(t)
  const p = circuitBreaker({ ...small, halfOpenCalls: 1 })
  const slow = deferred<string>()
  const inFlight = p.execute(() => slow.promise) // admitted while closed
  await fail(p, 4)
  t.equal(p.state, 'open')
  await clock.tickAsync(5000)
  await p.execute(ok) // probe closes it
  t.equal(p.state, 'closed')
  slow.reject(new Error('late'))
  await settle(inFlight)
  t.equal(p.snapshot().failedCalls, 0, 'the late failure belonged to an older generation')
})

t.test('classification: ignored errors, successful errors, failed results', async (t) => {
  fakeClock(t)
  const p = createPolicy({
    breaker: { ...small },
    classifyError: (e) => (e as Error).message === 'not found' ? 'success' : (e as Error).message === 'bad input' ? 'ignore' : 'failure',
    classifyResult: (r) => (r as { status: number }).status >= 500 ? 'failure' : 'success'
  })
  for (let i = 0; i < 10; i++) await settle(p.execute(async () => { throw new Error('bad input') }))
  t.equal(p.snapshot().calls, 0, 'ignored outcomes count neither way')
  for (let i = 0; i < 2; i++) await settle(p.execute(async () => { throw new Error('not found') }))
  t.match(p.snapshot(), { calls: 2, failedCalls: 0 })
  const res = await p.execute(async () => ({ status: 503 }))
  t.same(res, { status: 503 }, 'a failed result is still returned')
  await p.execute(async () => ({ status: 502 }))
  t.equal(p.state, 'open', '2 failed results of 4 calls')
})

t.test('slow calls open the breaker through slowCallRateThreshold', async (t) => {
  const clock = fakeClock(t)
  const reasons: string[] = []
  const p = circuitBreaker({ ...small, slowCallDurationMs: 1000, slowCallRateThreshold: 75, onStateChange: (e) => reasons.push(e.reason) })
  const slowCall = async (): Promise<void> => {
    const d = deferred<string>()
    const r = p.execute(() => d.promise)
    await clock.tickAsync(1000)
    d.resolve('late but fine')
    await r
  }
  await slowCall()
  await slowCall()
  await p.execute(ok)
  await slowCall()
  t.equal(p.state, 'open')
  t.same(reasons, ['slow-call-rate'], 'every call succeeded: the slow rate opened it')
  t.match(p.snapshot(), { calls: 4, slowCalls: 3, failedCalls: 0, slowCallRate: 75 })
})

t.test('time-based window forgets old failures', async (t) => {
  const clock = fakeClock(t)
  const p = circuitBreaker({ windowType: 'time', windowMs: 10_000, windowBuckets: 10, minimumCalls: 4 })
  await fail(p, 3)
  await clock.tickAsync(11_000)
  await fail(p, 1)
  await p.execute(ok)
  await p.execute(ok)
  t.equal(p.state, 'closed', 'the three old failures left the window')
  t.match(p.snapshot(), { calls: 3, failedCalls: 1 })
  await fail(p, 2)
  t.equal(p.state, 'open')
})

t.test('isolate, reset and disable', async (t) => {
  fakeClock(t)
  const events: string[] = []
  const p = circuitBreaker({ ...small, onStateChange: (e) => events.push(`${e.from}>${e.to}:${e.reason}`) })
  p.isolate()
  t.equal(p.state, 'isolated')
  const r = await settle(p.execute(ok))
  t.notOk(r.ok)
  if (!r.ok) t.equal(r.error.headers?.['retry-after'], '5', 'isolated: Retry-After is the base open time')
  p.reset()
  t.equal(await p.execute(ok), 'ok')
  p.disable()
  await fail(p, 20)
  t.equal(p.state, 'disabled', 'disabled records nothing and never opens')
  p.reset()
  t.equal(p.state, 'closed')
  t.same(events, ['closed>isolated:isolate', 'isolated>closed:reset', 'closed>disabled:disable', 'disabled>closed:reset'])
})

t.test('a policy without a breaker reports disabled and ignores isolate/reset', async (t) => {
  const p = createPolicy({ breaker: false })
  p.isolate()
  p.reset()
  t.equal(p.state, 'disabled')
  t.match(p.snapshot(), { state: 'disabled', calls: 0, failureRate: null })
})

t.test('synchronous throws and plain values go through the breaker', async (t) => {
  fakeClock(t)
  const p = circuitBreaker(small)
  t.equal(await p.execute(() => 7), 7)
  const r = await settle(p.execute(() => { throw new Error('sync') }))
  t.notOk(r.ok)
  t.equal(p.snapshot().failedCalls, 1)
  const timed = createPolicy({ timeoutMs: 100, breaker: small })
  t.equal(await timed.execute(() => 8), 8)
  const r2 = await settle(timed.execute(() => { throw new Error('sync') }))
  t.notOk(r2.ok)
  t.equal(timed.snapshot().failedCalls, 1)
})

t.test('a work function that takes a parameter gets its own signal', async (t) => {
  const p = circuitBreaker()
  const signals: AbortSignal[] = []
  await p.execute(async (signal) => { signals.push(signal) })
  await p.execute(async (signal) => { signals.push(signal) })
  t.ok(signals[0] instanceof AbortSignal)
  t.not(signals[0], signals[1], 'one signal per call')
  let got: unknown = 'unset'
  await p.execute(async (...args: unknown[]) => { got = args[0] })
  t.equal(got, undefined, 'a function that declares no parameter gets no signal')
})

t.test('state transitions are published on highload:breaker:state', async (t) => {
  fakeClock(t)
  const seen: unknown[] = []
  const listener = (m: unknown): void => { seen.push(m) }
  stateChannel.subscribe(listener)
  t.teardown(() => { stateChannel.unsubscribe(listener) })
  const p = circuitBreaker({ ...small, name: 'db' })
  await fail(p, 4)
  t.match(seen, [{ name: 'db', from: 'closed', to: 'open', reason: 'failure-rate' }])
})

t.test('classifier errors reject the call and are not counted', async (t) => {
  const p = createPolicy({
    timeoutMs: 1000,
    classifyResult: () => { throw new Error('classifier broke') },
    classifyError: () => { throw new Error('classifier broke too') }
  })
  const a = await settle(p.execute(ok))
  const b = await settle(p.execute(boom))
  t.match(a, { ok: false, error: { message: 'classifier broke' } })
  t.match(b, { ok: false, error: { message: 'classifier broke too' } })
  t.equal(p.snapshot().calls, 0)
})

t.test('slow probes re-open the breaker', async (t) => {
  const clock = fakeClock(t)
  const reasons: string[] = []
  const p = circuitBreaker({ ...small, slowCallDurationMs: 100, slowCallRateThreshold: 50, onStateChange: (e) => reasons.push(e.reason) })
  await fail(p, 4)
  await clock.tickAsync(5000)
  const d = deferred<string>()
  const probe = p.execute(() => d.promise)
  await clock.tickAsync(100)
  d.resolve('slow')
  await probe
  t.equal(p.state, 'open')
  t.same(reasons, ['failure-rate', 'open-elapsed', 'probes-failed'])
})

t.test('every execution path classifies alike (fast, timed, general)', async (t) => {
  fakeClock(t)
  const verdicts = { error: 'failure', result: 'success' } as Record<string, 'success' | 'failure' | 'ignore'>
  const shapes = [{}, { timeoutMs: 1000 }]
  for (const shape of shapes) {
    for (const opts of [undefined, {}]) {
      const p = createPolicy({
        ...shape,
        breaker: { windowSize: 100, minimumCalls: 100 },
        classifyError: () => verdicts.error as 'failure',
        classifyResult: () => verdicts.result as 'success'
      })
      const label = `${JSON.stringify(shape)} ${opts === undefined ? 'no options' : 'with options'}`
      verdicts.error = 'ignore'
      verdicts.result = 'ignore'
      await settle(p.execute(boom, opts))
      await p.execute(ok, opts)
      t.match(p.snapshot(), { calls: 0 }, `${label}: ignored`)
      verdicts.error = 'success'
      verdicts.result = 'failure'
      await settle(p.execute(boom, opts))
      await p.execute(ok, opts)
      t.match(p.snapshot(), { calls: 2, failedCalls: 1 }, `${label}: error as success, result as failure`)
      const sync = await settle(p.execute(() => { throw new Error('sync') }, opts))
      t.match(sync, { ok: false, error: { message: 'sync' } }, `${label}: synchronous throw`)
      verdicts.error = 'failure'
      verdicts.result = 'success'
    }
  }
})

t.test('classifier errors reject the call on the general path too', async (t) => {
  const p = createPolicy({
    timeoutMs: 1000,
    classifyResult: () => { throw new Error('classifier broke') },
    classifyError: () => { throw new Error('classifier broke too') }
  })
  t.match(await settle(p.execute(ok, {})), { ok: false, error: { message: 'classifier broke' } })
  t.match(await settle(p.execute(boom, {})), { ok: false, error: { message: 'classifier broke too' } })
  t.equal(p.snapshot().calls, 0)
})

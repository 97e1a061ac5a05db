import { getEventListeners } from 'node:events'
import t from 'tap'
import { BreakerDeadlineExceededError, BreakerTimeoutError, callChannel, createPolicy, timeout } from '../src/core/index.js'
import type { CallEvent } from '../src/core/index.js'
import { deferred, fakeClock } from '@highload/testing'
import { ok, settle } from './helpers.js'

const breaker = { windowSize: 10, minimumCalls: 4, openMs: 5000 }

t.test('an attempt timeout rejects with HL_BREAKER_TIMEOUT, aborts the work and counts as a failure', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({ name: 'slow', timeoutMs: 100, breaker })
  let signal: AbortSignal | undefined
  const r = settle(p.execute((s) => { signal = s; return new Promise<never>(() => {}) }))
  await clock.tickAsync(100)
  const out = await r
  t.notOk(out.ok)
  if (out.ok) return
  t.ok(out.error instanceof BreakerTimeoutError)
  t.equal(out.error.statusCode, 504)
  t.equal(out.error.message, 'Call to dependency slow timed out after 100 ms')
  t.equal(signal?.aborted, true)
  t.equal(signal?.reason, out.error, 'the work sees the timeout as its abort reason')
  t.match(p.snapshot(), { calls: 1, failedCalls: 1, slowCalls: 0, inFlight: 0 })
})

t.test('100 concurrent calls: the one that times out is the only one aborted', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({ timeoutMs: 1000, breaker: { minimumCalls: 100 } })
  const signals: AbortSignal[] = []
  const gates = Array.from({ length: 100 }, () => deferred<number>())
  const calls = gates.map((g) => settle(p.execute((signal) => { signals.push(signal); return g.promise })))
  await clock.tickAsync(10)
  gates.forEach((g, i) => { if (i !== 42) g.resolve(i) })
  await clock.tickAsync(990)
  const results = await Promise.all(calls)
  t.equal(results.filter((r) => r.ok).length, 99)
  t.notOk(results[42]?.ok)
  t.equal(signals.filter((s) => s.aborted).length, 1, 'only one signal aborted')
  t.equal(signals[42]?.aborted, true)
  t.equal(p.snapshot().failedCalls, 1)
})

t.test('a deadline that already expired: not called, not counted, 504', async (t) => {
  fakeClock(t)
  const p = createPolicy({ breaker: { ...breaker, minimumCalls: 1 } })
  let called = false
  const r = await settle(p.execute(async () => { called = true }, { deadline: Date.now() }))
  t.notOk(called)
  t.notOk(r.ok)
  if (!r.ok) {
    t.ok(r.error instanceof BreakerDeadlineExceededError)
    t.equal(r.error.statusCode, 504)
  }
  t.equal(p.snapshot().calls, 0)
  t.equal(p.state, 'closed')
})

t.test('a deadline reached mid-call rejects with 504 and is not counted', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({ timeoutMs: 1000, breaker: { ...breaker, minimumCalls: 1 } })
  let signal: AbortSignal | undefined
  const r = settle(p.execute((s) => { signal = s; return new Promise<never>(() => {}) }, { deadline: Date.now() + 300 }))
  await clock.tickAsync(300)
  const out = await r
  t.match(out, { ok: false, error: { code: 'HL_BREAKER_DEADLINE_EXCEEDED' } })
  t.equal(signal?.aborted, true)
  t.equal(p.snapshot().calls, 0)
  t.equal(p.state, 'closed')
})

t.test('deadlineMs is the total deadline when no timeout is set', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({ deadlineMs: 200, breaker })
  const r = settle(p.execute(() => new Promise<never>(() => {})))
  await clock.tickAsync(200)
  t.match(await r, { ok: false, error: { code: 'HL_BREAKER_DEADLINE_EXCEEDED' } })
})

t.test('the caller aborting rejects with its reason, aborts the work, is not counted, leaves no listener', async (t) => {
  fakeClock(t)
  const p = createPolicy({ timeoutMs: 1000, breaker: { ...breaker, minimumCalls: 1 } })
  const caller = new AbortController()
  let signal: AbortSignal | undefined
  const r = settle(p.execute((s) => { signal = s; return new Promise<never>(() => {}) }, { signal: caller.signal }))
  t.equal(getEventListeners(caller.signal, 'abort').length, 1)
  const reason = new Error('caller gave up')
  caller.abort(reason)
  const out = await r
  t.match(out, { ok: false, error: reason })
  t.equal(signal?.reason, reason)
  t.equal(getEventListeners(caller.signal, 'abort').length, 0, 'listener removed')
  t.equal(p.snapshot().calls, 0)
  t.match(await settle(p.execute(ok, { signal: caller.signal })), { ok: false, error: reason }, 'an already aborted signal: no call')
})

t.test('a long-lived caller signal gains no listeners from completed calls (no AbortSignal.any leak)', async (t) => {
  const p = createPolicy({ timeoutMs: 1000 })
  const parent = new AbortController()
  for (let i = 0; i < 50; i++) await p.execute(async (signal) => signal.aborted, { signal: parent.signal })
  for (let i = 0; i < 50; i++) await settle(p.execute(async () => { throw new Error('x') }, { signal: parent.signal }))
  t.equal(getEventListeners(parent.signal, 'abort').length, 0)
})

t.test('timeout() alone and call events', async (t) => {
  const clock = fakeClock(t)
  const events: CallEvent[] = []
  const listener = (m: unknown): void => { events.push(m as CallEvent) }
  callChannel.subscribe(listener)
  t.teardown(() => { callChannel.unsubscribe(listener) })
  const p = timeout(50, { name: 't' })
  t.equal(p.state, 'disabled')
  const d = deferred<string>()
  const a = p.execute(() => d.promise)
  await clock.tickAsync(20)
  d.resolve('x')
  t.equal(await a, 'x')
  const b = settle(p.execute(() => new Promise<never>(() => {})))
  await clock.tickAsync(50)
  await b
  t.match(events, [
    { name: 't', key: null, outcome: 'success', state: 'disabled', attempt: 1, durationMs: 20, slow: false },
    { name: 't', outcome: 'timeout', durationMs: 50, error: { code: 'HL_BREAKER_TIMEOUT' } }
  ])
})

t.test('a call that settles after its timeout changes nothing', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({ timeoutMs: 10, breaker })
  const d = deferred<string>()
  const r = settle(p.execute(() => d.promise))
  await clock.tickAsync(10)
  d.resolve('late')
  t.match(await r, { ok: false, error: { code: 'HL_BREAKER_TIMEOUT' } })
  const e = deferred<string>()
  const r2 = settle(p.execute(() => e.promise))
  await clock.tickAsync(10)
  e.reject(new Error('late'))
  await r2
  t.match(p.snapshot(), { calls: 2, failedCalls: 2 })
})

t.test('general path: late settlement after a timeout, retried timeouts, ignored probes', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({ timeoutMs: 10, breaker })
  const d = deferred<string>()
  const r = settle(p.execute(() => d.promise, {}))
  await clock.tickAsync(10)
  d.resolve('late')
  t.match(await r, { ok: false, error: { code: 'HL_BREAKER_TIMEOUT' } })
  let n = 0
  const retried = createPolicy({ timeoutMs: 10, retry: { idempotent: true, baseDelayMs: 1, jitter: 'none', budget: false }, breaker: false })
  const r2 = settle(retried.execute(() => ++n === 1 ? new Promise<never>(() => {}) : Promise.resolve('second')))
  await clock.tickAsync(100)
  t.match(await r2, { ok: true, value: 'second' }, 'a timed-out attempt is retried')
  const probing = createPolicy({
    breaker: { minimumCalls: 1, windowSize: 1, openMs: 100, halfOpenCalls: 1 },
    classifyError: (e) => (e as Error).message === 'client error' ? 'ignore' : 'failure'
  })
  await settle(probing.execute(async () => { throw new Error('down') }))
  await clock.tickAsync(100)
  await settle(probing.execute(async () => { throw new Error('client error') }))
  t.equal(probing.state, 'half-open', 'an ignored probe decides nothing')
  t.equal(await probing.execute(ok), 'ok', 'and gives its slot back')
  t.equal(probing.state, 'closed')
})

t.test('rejections while open are published with the state', async (t) => {
  const events: CallEvent[] = []
  const listener = (m: unknown): void => { events.push(m as CallEvent) }
  callChannel.subscribe(listener)
  t.teardown(() => { callChannel.unsubscribe(listener) })
  const p = createPolicy({ name: 'o' })
  p.isolate()
  await settle(p.execute(ok))
  t.match(events, [{ name: 'o', outcome: 'rejected-open', state: 'isolated', durationMs: 0, error: { code: 'HL_BREAKER_OPEN' } }])
})

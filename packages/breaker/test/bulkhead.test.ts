import t from 'tap'
import { BreakerBulkheadFullError, bulkhead, callChannel, createPolicy } from '../src/core/index.js'
import type { CallEvent } from '../src/core/index.js'
import { deferred, fakeClock } from '@highload/testing'
import { ok, settle } from './helpers.js'

t.test('a full bulkhead fails fast with 503 and a short Retry-After', async (t) => {
  const p = bulkhead(2, { name: 'b', retryAfterMs: 1500 })
  const gate = deferred<string>()
  const a = p.execute(() => gate.promise)
  const b = p.execute(() => gate.promise)
  t.equal(p.inFlight, 2)
  const r = await settle(p.execute(ok))
  t.notOk(r.ok)
  if (!r.ok) {
    t.ok(r.error instanceof BreakerBulkheadFullError)
    t.equal(r.error.statusCode, 503)
    t.equal(r.error.retryAfterMs, 1500)
    t.same(r.error.headers, { 'retry-after': '2' })
    t.equal(r.error.message, 'Too many concurrent calls to dependency b (limit 2)')
  }
  gate.resolve('x')
  await Promise.all([a, b])
  t.equal(p.inFlight, 0)
  t.equal(await p.execute(ok), 'ok', 'slots come back')
})

t.test('bulkhead rejections never open the breaker', async (t) => {
  fakeClock(t)
  const events: CallEvent[] = []
  const listener = (m: unknown): void => { events.push(m as CallEvent) }
  callChannel.subscribe(listener)
  t.teardown(() => { callChannel.unsubscribe(listener) })
  const p = createPolicy({ bulkhead: { maxConcurrent: 1 }, breaker: { minimumCalls: 5, windowSize: 10 } })
  const gate = deferred<string>()
  const held = p.execute(() => gate.promise)
  for (let i = 0; i < 50; i++) await settle(p.execute(ok))
  t.equal(p.state, 'closed')
  t.equal(p.snapshot().calls, 0, 'rejections are not in the window')
  gate.resolve('done')
  await held
  t.equal(events.filter((e) => e.outcome === 'rejected-bulkhead').length, 50)
})

t.test('bulkhead on the fast path (no subscribers, closed) and with a timeout', async (t) => {
  const plain = createPolicy({ bulkhead: { maxConcurrent: 1 } })
  const timed = createPolicy({ bulkhead: { maxConcurrent: 1 }, timeoutMs: 1000 })
  for (const p of [plain, timed]) {
    const gate = deferred<string>()
    const held = p.execute(() => gate.promise)
    t.match(await settle(p.execute(ok)), { ok: false, error: { code: 'HL_BREAKER_BULKHEAD_FULL' } })
    gate.resolve('x')
    await held
  }
})

t.test('a probe refused by the bulkhead gives its half-open slot back', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({ bulkhead: { maxConcurrent: 2 }, breaker: { minimumCalls: 1, windowSize: 1, openMs: 1000, halfOpenCalls: 2 } })
  const a = deferred<string>()
  const held = p.execute(() => a.promise) // admitted while closed, holds a bulkhead slot
  await settle(p.execute(async () => { throw new Error('x') }))
  t.equal(p.state, 'open')
  await clock.tickAsync(1000)
  const c = deferred<string>()
  const probe1 = p.execute(() => c.promise) // probe 1 takes the second slot
  t.match(await settle(p.execute(ok)), { ok: false, error: { code: 'HL_BREAKER_BULKHEAD_FULL' } }, 'probe 2 admitted, then refused by the bulkhead')
  a.resolve('a')
  await held
  t.equal(await p.execute(ok), 'ok', 'probe 2 slot was given back')
  c.resolve('c')
  await probe1
  t.equal(p.state, 'closed')
})

import t from 'tap'
import { backoffDelay, createPolicy, retry, retryAfterMs } from '../src/core/index.js'
import { fakeClock } from '@highload/testing'
import { settle } from './helpers.js'

function flaky (failures: number, error: () => unknown = () => new Error('flaky')): { fn: () => Promise<string>, calls: () => number } {
  let n = 0
  return {
    fn: async () => {
      n++
      if (n <= failures) throw error()
      return 'ok'
    },
    calls: () => n
  }
}

t.test('idempotent calls are retried with back-off; others are not', async (t) => {
  const clock = fakeClock(t)
  const p = retry({ maxAttempts: 3, baseDelayMs: 100, jitter: 'none', budget: false })
  const a = flaky(2)
  const r = settle(p.execute(a.fn, { idempotent: true }))
  await clock.tickAsync(99)
  t.equal(a.calls(), 1, 'no retry before 100 ms')
  await clock.tickAsync(1)
  t.equal(a.calls(), 2, 'first retry after 100 ms')
  await clock.tickAsync(199)
  t.equal(a.calls(), 2)
  await clock.tickAsync(1)
  t.equal(a.calls(), 3, 'second retry after 200 more ms')
  t.match(await r, { ok: true, value: 'ok' })
  t.equal(a.calls(), 3)
  const b = flaky(1)
  t.match(await settle(p.execute(b.fn)), { ok: false, error: { message: 'flaky' } })
  t.equal(b.calls(), 1, 'not idempotent: one attempt')
})

t.test('gives up after maxAttempts with the last error', async (t) => {
  const clock = fakeClock(t)
  let n = 0
  const p = createPolicy({ retry: { maxAttempts: 3, idempotent: true, jitter: 'full', baseDelayMs: 10, budget: false }, breaker: false })
  const r = settle(p.execute(async () => { throw new Error(`fail ${++n}`) }))
  await clock.tickAsync(1000)
  t.match(await r, { ok: false, error: { message: 'fail 3' } })
})

t.test('a failed result is retried and the last one returned', async (t) => {
  const clock = fakeClock(t)
  let n = 0
  const p = createPolicy({
    retry: { maxAttempts: 2, idempotent: true, jitter: 'decorrelated', baseDelayMs: 10, budget: false },
    classifyResult: (r) => (r as { status: number }).status >= 500 ? 'failure' : 'success',
    breaker: false
  })
  const r = settle(p.execute(async () => ({ status: 500 + ++n })))
  await clock.tickAsync(1000)
  t.match(await r, { ok: true, value: { status: 502 } })
})

t.test('ignored errors and breaker rejections are not retried', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({
    retry: { idempotent: true, budget: false },
    classifyError: (e) => (e as Error).message === 'bad request' ? 'ignore' : 'failure',
    breaker: { minimumCalls: 1, windowSize: 1 }
  })
  const a = flaky(5, () => new Error('bad request'))
  t.match(await settle(p.execute(a.fn)), { ok: false, error: { message: 'bad request' } })
  t.equal(a.calls(), 1)
  const b = flaky(5)
  const r = settle(p.execute(b.fn))
  await clock.tickAsync(10_000)
  t.match(await r, { ok: false, error: { message: 'flaky' } }, 'the upstream error, not HL_BREAKER_OPEN')
  t.equal(b.calls(), 1, 'the failure opened the breaker: never retry into it')
})

t.test('the retry budget caps retries during an outage', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({
    retry: { maxAttempts: 5, idempotent: true, baseDelayMs: 1, jitter: 'none', budget: { ratio: 0.1, minPerSecond: 0.1, windowMs: 10_000 } },
    breaker: false
  })
  let attempts = 0
  const fn = async (): Promise<never> => { attempts++; throw new Error('down') }
  const calls = Array.from({ length: 100 }, () => settle(p.execute(fn)))
  await clock.tickAsync(1000)
  await Promise.all(calls)
  t.ok(attempts <= 111, `${attempts} attempts for 100 calls: retries stay within 10 % (+ floor 1)`)
  t.ok(attempts > 100, 'some retries happened')
  t.equal(p.snapshot().retryBudget, 0)
  await clock.tickAsync(11_000)
  t.ok((p.snapshot().retryBudget ?? 0) >= 1, 'the floor comes back when the window moves on')
})

t.test('Retry-After on 429/503 is honoured, and too long a wait stops retrying', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({
    retry: { maxAttempts: 3, idempotent: true, baseDelayMs: 10, jitter: 'none', maxRetryAfterMs: 5000, budget: false },
    breaker: false
  })
  let n = 0
  const r = settle(p.execute(async () => {
    n++
    if (n === 1) throw Object.assign(new Error('slow down'), { statusCode: 429, headers: { 'retry-after': '2' } })
    return 'ok'
  }))
  await clock.tickAsync(1999)
  t.equal(n, 1, 'waits the 2 s asked for, not 10 ms')
  await clock.tickAsync(1)
  t.match(await r, { ok: true, value: 'ok' })
  let m = 0
  const tooLong = await settle(p.execute(async () => {
    m++
    throw Object.assign(new Error('go away'), { status: 503, headers: new Headers({ 'retry-after': '60' }) })
  }))
  t.match(tooLong, { ok: false, error: { message: 'go away' } })
  t.equal(m, 1)
})

t.test('a failed result that cannot be retried in time is returned; zero back-off retries at once', async (t) => {
  const clock = fakeClock(t)
  let n = 0
  const p = createPolicy({
    deadlineMs: 50,
    retry: { maxAttempts: 5, idempotent: true, baseDelayMs: 100, jitter: 'none', budget: false },
    classifyResult: () => 'failure',
    breaker: false
  })
  const r = settle(p.execute(async () => ++n))
  await clock.tickAsync(1000)
  t.match(await r, { ok: true, value: 1 }, 'the next attempt would pass the deadline')
  let m = 0
  const now = createPolicy({ retry: { maxAttempts: 3, idempotent: true, baseDelayMs: 0, maxDelayMs: 0, budget: false }, breaker: false })
  t.match(await settle(now.execute(async () => { if (++m < 3) throw new Error('again'); return m })), { ok: true, value: 3 })
})

t.test('retries stop at the total deadline', async (t) => {
  const clock = fakeClock(t)
  const p = createPolicy({ deadlineMs: 250, retry: { maxAttempts: 10, idempotent: true, baseDelayMs: 100, jitter: 'none', budget: false }, breaker: false })
  const a = flaky(10)
  const r = settle(p.execute(a.fn))
  await clock.tickAsync(1000)
  t.match(await r, { ok: false, error: { message: 'flaky' } })
  t.equal(a.calls(), 2, 'attempt at 0 and 100 ms; the next (at 300 ms) would pass the deadline')
})

t.test('aborting during back-off rejects with the abort reason', async (t) => {
  const clock = fakeClock(t)
  const p = retry({ idempotent: true, baseDelayMs: 1000, jitter: 'none', budget: false })
  const ac = new AbortController()
  const a = flaky(5)
  const r = settle(p.execute(a.fn, { signal: ac.signal }))
  await clock.tickAsync(500)
  ac.abort(new Error('user left'))
  t.match(await r, { ok: false, error: { message: 'user left' } })
  await clock.tickAsync(5000)
  t.equal(a.calls(), 1)
  const b = flaky(1)
  const ok = settle(p.execute(b.fn, { signal: new AbortController().signal }))
  await clock.tickAsync(1000)
  t.match(await ok, { ok: true, value: 'ok' }, 'a signal that never aborts does not get in the way')
})

t.test('backoffDelay and retryAfterMs', async (t) => {
  t.equal(backoffDelay('none', 100, 1000, 1, 0), 100)
  t.equal(backoffDelay('none', 100, 1000, 3, 0), 400)
  t.equal(backoffDelay('none', 100, 1000, 10, 0), 1000, 'capped')
  for (let i = 0; i < 50; i++) {
    const full = backoffDelay('full', 100, 1000, 3, 0)
    t.ok(full >= 0 && full < 400)
    const dec = backoffDelay('decorrelated', 100, 1000, 3, 300)
    t.ok(dec >= 100 && dec <= 900)
  }
  const now = Date.parse('2026-01-01T00:00:00Z')
  t.equal(retryAfterMs({ statusCode: 503, headers: { 'retry-after': '3' } }, now), 3000)
  t.equal(retryAfterMs({ status: 429, headers: { 'retry-after': 'Thu, 01 Jan 2026 00:00:05 GMT' } }, now), 5000)
  t.equal(retryAfterMs({ status: 429, headers: { 'retry-after': 'Wed, 31 Dec 2025 00:00:05 GMT' } }, now), 0, 'a past date: no wait')
  t.equal(retryAfterMs({ status: 429, headers: { 'retry-after': 'soon' } }, now), -1)
  t.equal(retryAfterMs({ status: 429, headers: { 'retry-after': 7 } }, now), 7000)
  t.equal(retryAfterMs({ status: 429, headers: {} }, now), -1)
  t.equal(retryAfterMs({ status: 429, headers: null }, now), -1)
  t.equal(retryAfterMs({ status: 500, headers: { 'retry-after': '3' } }, now), -1)
  t.equal(retryAfterMs(null, now), -1)
  t.equal(retryAfterMs('503', now), -1)
})

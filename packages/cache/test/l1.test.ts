import t from 'tap'
import { deferred, fakeClock } from '@highload/testing'
import { codes } from '../src/index.js'
import type { CacheCollapsedEvent, CacheErrorEvent, CacheInvalidateEvent, CacheLookupEvent } from '../src/index.js'
import { listen, standalone } from './helpers.js'

// L1 only (no Redis), with a fake clock: the cache's own logic, time and all.
const base = { jitter: 0, earlyRefreshBeta: 0 }

t.test('getOrSet loads once, answers from L1 until the TTL, then loads again', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, ttlMs: 1000 })
  let calls = 0
  const load = async (): Promise<number> => ++calls
  t.equal(await cache.getOrSet('a', load), 1)
  t.equal(await cache.getOrSet('a', load), 1)
  t.equal(cache.peek('a'), 1)
  clock.tick(999)
  t.equal(await cache.getOrSet('a', load), 1)
  clock.tick(1)
  t.equal(cache.peek('a'), undefined, 'expired at the TTL')
  t.equal(await cache.getOrSet('a', load), 2)
  t.same(cache.status(), { l2: 'off', bus: 'off', l1: { items: 1, bytes: cache.status().l1.bytes }, pendingInvalidations: 0 })
})

t.test('one codec round trip: the first caller, L1 and later callers see the same shape', async (t) => {
  const { cache } = standalone(t, base)
  const first = await cache.getOrSet('d', () => ({ at: new Date(0), n: 1 }))
  t.same(first, { at: '1970-01-01T00:00:00.000Z', n: 1 })
  t.same(await cache.getOrSet('d', () => 'never'), first)
  t.same(await cache.get('d'), first)
})

t.test('single-flight: concurrent misses run the loader once; waiters of a failed load get its error and nothing is cached', async (t) => {
  const { cache } = standalone(t, base)
  const collapsed = listen<CacheCollapsedEvent>(t, 'collapsed')
  const gate = deferred<string>()
  let calls = 0
  const load = async (): Promise<string> => { calls++; return await gate.promise }
  const all = Promise.all([cache.getOrSet('k', load), cache.getOrSet('k', load), cache.getOrSet('k', load)])
  gate.resolve('v')
  t.same(await all, ['v', 'v', 'v'])
  t.equal(calls, 1)
  t.same(collapsed, [{ name: 'default', key: 'k' }, { name: 'default', key: 'k' }])

  const boom = new Error('boom')
  const failing = async (): Promise<string> => { calls++; throw boom }
  const results = await Promise.allSettled([cache.getOrSet('f', failing), cache.getOrSet('f', failing)])
  t.same(results.map((r) => r.status === 'rejected' && r.reason), [boom, boom])
  t.equal(calls, 2)
  t.equal(await cache.getOrSet('f', () => 'ok'), 'ok', 'nothing was cached: the next call loads')
  await t.rejects(cache.getOrSet('sync', () => { throw boom }), boom, 'a loader that throws synchronously rejects')
})

t.test('events: hit, miss, stale only when subscribed, with name, tier and key', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, name: 'ev', ttlMs: 100, staleWhileRevalidateMs: 1000 })
  t.equal(await cache.getOrSet('x', () => 1), 1, 'nobody listens: nothing published, nothing breaks')
  const hits = listen<CacheLookupEvent>(t, 'hit')
  const misses = listen<CacheLookupEvent>(t, 'miss')
  const stale = listen<CacheLookupEvent>(t, 'stale')
  await cache.getOrSet('x', () => 2)
  await cache.getOrSet('y', () => 2)
  t.equal(await cache.get('nope'), undefined)
  t.equal(await cache.get('y'), 2)
  clock.tick(100)
  t.equal(await cache.getOrSet('x', () => 3), 1, 'stale inside the SWR window')
  t.same(hits, [{ name: 'ev', tier: 'l1', key: 'x' }, { name: 'ev', tier: 'l1', key: 'y' }])
  t.same(misses, [{ name: 'ev', tier: 'l1', key: 'y' }, { name: 'ev', tier: 'l1', key: 'nope' }])
  t.same(stale, [{ name: 'ev', tier: 'l1', key: 'x' }])
})

t.test('stale-while-revalidate answers stale at once and refreshes once in the background (bentocache#103)', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, ttlMs: 100, staleWhileRevalidateMs: 1000 })
  await cache.getOrSet('k', () => 'v1')
  clock.tick(150)
  const gate = deferred<string>()
  let calls = 0
  let seenStale: unknown
  const refresh = async ({ stale }: { stale: string | undefined }): Promise<string> => { calls++; seenStale = stale; return await gate.promise }
  t.equal(await cache.getOrSet('k', refresh), 'v1', 'the first caller is answered stale, not made to wait')
  t.equal(await cache.getOrSet('k', refresh), 'v1', 'so is the second, while the refresh runs')
  t.equal(calls, 1, 'one refresh')
  t.equal(seenStale, 'v1', 'the loader sees the stale value')
  gate.resolve('v2')
  await clock.tickAsync(0)
  t.equal(await cache.getOrSet('k', refresh), 'v2')
  clock.tick(100 + 1000)
  t.equal(cache.peek('k'), undefined)
  t.equal(await cache.getOrSet('k', () => 'v3'), 'v3', 'past the window: a plain miss')
})

t.test('a failed background refresh is reported and keeps the stale value', async (t) => {
  const clock = fakeClock(t)
  const { cache, lines } = standalone(t, { ...base, ttlMs: 100, staleWhileRevalidateMs: 1000 })
  const errors = listen<CacheErrorEvent>(t, 'error')
  await cache.getOrSet('k', () => 'v1')
  clock.tick(150)
  t.equal(await cache.getOrSet('k', () => { throw Object.assign(new Error('db down'), { code: 'EDB' }) }), 'v1')
  await clock.tickAsync(0)
  t.same(errors, [{ name: 'default', tier: 'loader', op: 'refresh', code: 'EDB' }])
  t.match(lines, [{ level: 'warn', msg: 'cache background refresh failed' }])
  t.equal(await cache.getOrSet('k', () => 'v2'), 'v1', 'still stale; a new refresh started')
  await clock.tickAsync(0)
  t.equal(await cache.getOrSet('k', () => 'v3'), 'v2')
})

t.test('stale-if-error answers stale when the loader fails inside the window, else rejects', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, ttlMs: 100, staleIfErrorMs: 1000 })
  const errors = listen<CacheErrorEvent>(t, 'error')
  await cache.getOrSet('k', () => 'v1')
  clock.tick(500)
  const boom = new Error('boom')
  t.equal(await cache.getOrSet('k', () => { throw boom }), 'v1')
  t.same(errors, [{ name: 'default', tier: 'loader', op: 'load', code: 'ERR' }])
  clock.tick(600)
  await t.rejects(cache.getOrSet('k', () => { throw boom }), boom, 'past the window')
})

t.test('soft timeout answers stale while the load goes on; hard timeout aborts the signal and rejects 504', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, ttlMs: 100, staleIfErrorMs: 10_000, softTimeoutMs: 50, hardTimeoutMs: 1000 })
  await cache.getOrSet('k', () => 'v1')
  clock.tick(200)
  const slow = deferred<string>()
  const answer = cache.getOrSet('k', async () => await slow.promise)
  await clock.tickAsync(50)
  t.equal(await answer, 'v1', 'soft timeout: stale')
  slow.resolve('v2')
  await clock.tickAsync(0)
  t.equal(cache.peek('k'), 'v2', 'the slow load finished and was stored')

  let signal: AbortSignal | undefined
  const hung = t.rejects(cache.getOrSet('cold', ({ signal: s }) => { signal = s; return new Promise<string>(() => {}) }), { code: codes.LOADER_TIMEOUT, statusCode: 504 })
  await clock.tickAsync(1000)
  await hung
  t.equal(signal?.aborted, true)
  t.equal(signal?.reason.code, codes.LOADER_TIMEOUT)

  clock.tick(200)
  let late: ((v: string) => void) | undefined
  const p = cache.getOrSet('k', () => new Promise<string>((resolve) => { late = resolve }), { softTimeoutMs: 2000, hardTimeoutMs: 500 })
  await clock.tickAsync(500)
  t.equal(await p, 'v2', 'a hard timeout inside staleIfErrorMs answers stale')
  late?.('too late')
  await clock.tickAsync(0)
  t.equal(cache.peek('k'), undefined, 'a load that finishes after its hard timeout is not stored')
})

t.test('negative caching: null and undefined loads are kept for negativeTtlMs; 0 stores nothing', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, negativeTtlMs: 100 })
  let calls = 0
  t.equal(await cache.getOrSet('n', () => { calls++; return null }), null)
  t.equal(await cache.getOrSet('n', () => { calls++; return null }), null)
  t.equal(await cache.getOrSet('u', () => { calls++; return undefined }), undefined)
  t.equal(await cache.getOrSet('u', () => { calls++; return undefined }), undefined)
  t.equal(calls, 2)
  clock.tick(100)
  t.equal(await cache.getOrSet('n', () => { calls++; return null }, { negativeTtlMs: 0 }), null)
  t.equal(await cache.getOrSet('n', () => { calls++; return 'now' }), 'now')
  t.equal(calls, 4)
})

t.test('setOptions adapts the entry: ttlMs 0 stores nothing, tags and windows apply', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, base)
  t.equal(await cache.getOrSet('a', ({ setOptions }) => { setOptions({ ttlMs: 0 }); return 1 }), 1)
  t.equal(cache.peek('a'), undefined)
  await cache.getOrSet('b', ({ setOptions }) => { setOptions({ ttlMs: 10, tags: ['t'] }); setOptions({ staleWhileRevalidateMs: 100, staleIfErrorMs: 50 }); return 2 })
  t.equal(cache.peek('b'), 2)
  clock.tick(20)
  const refresh = deferred<number>()
  t.equal(await cache.getOrSet('b', () => refresh.promise), 2, 'inside the adapted SWR window')
  await cache.invalidateTags(['t'])
  t.equal(await cache.getOrSet('b', () => 4), 4, 'the adapted tags apply')
  refresh.resolve(3)
  t.equal(await cache.getOrSet('neg', ({ setOptions }) => { setOptions({ ttlMs: 1000 }); return null }), null)
  clock.tick(999)
  t.equal(await cache.getOrSet('neg', () => 'loaded'), null, 'a negative load takes the adapted ttlMs over negativeTtlMs')
  await t.rejects(cache.getOrSet('c', ({ setOptions }) => { setOptions({ lease: true } as never); return 1 }), { name: 'TypeError' })
  await t.rejects(cache.getOrSet('c', ({ setOptions }) => { setOptions({ ttlMs: -1 }); return 1 }), { code: codes.INVALID_OPTION })
  await t.rejects(cache.getOrSet('c', ({ setOptions }) => { setOptions({ tags: [''] }); return 1 }), { code: codes.INVALID_OPTION })
  await t.rejects(cache.getOrSet('c', ({ setOptions }) => { setOptions({ tags: ['x'.repeat(2000)] }); return 1 }), { code: codes.INVALID_KEY })
})

t.test('keys: non-empty strings up to maxKeyBytes; hostile characters round-trip', async (t) => {
  const { cache } = standalone(t, { ...base, maxKeyBytes: 16 })
  for (const bad of ['', 42, null, undefined, {}, 'é'.repeat(9)]) {
    await t.rejects(cache.getOrSet(bad as string, () => 1), { code: codes.INVALID_KEY })
    await t.rejects(cache.get(bad as string), { code: codes.INVALID_KEY })
    await t.rejects(cache.set(bad as string, 1), { code: codes.INVALID_KEY })
    await t.rejects(cache.delete(bad as string), { code: codes.INVALID_KEY })
    await t.rejects(cache.expire(bad as string), { code: codes.INVALID_KEY })
  }
  t.equal(await cache.getOrSet('é'.repeat(8), () => 'ok'), 'ok', '16 bytes is allowed')
  t.ok(await cache.getOrSet('x', () => 1).then(() => null, (err: unknown) => err) === null)
  const err = await cache.get('').catch((e: unknown) => e)
  t.ok(err instanceof TypeError, 'API misuse: a TypeError')
  await t.rejects(cache.invalidateTags(['ok', '']), { code: codes.INVALID_KEY, message: /tag/ })
  await t.rejects(cache.invalidateTags('tag' as never), TypeError)
  await t.rejects(cache.getOrSet('k', () => 1, { tags: [''] }), { code: codes.INVALID_OPTION })
  await t.rejects(cache.getOrSet('k', () => 1, { ttlMs: 'soon' } as never), { code: codes.INVALID_OPTION, message: /option ttlMs: got 'soon'/ })
})

t.test('values that cannot be encoded or are too large are refused and nothing is stored', async (t) => {
  const { cache } = standalone(t, { ...base, l2: { maxValueBytes: 10 } })
  const circular: Record<string, unknown> = {}
  circular.self = circular
  await t.rejects(cache.getOrSet('c', () => circular), { code: codes.UNSERIALIZABLE })
  await t.rejects(cache.getOrSet('b', () => ({ n: 1n })), { code: codes.UNSERIALIZABLE })
  await t.rejects(cache.set('f', () => {}), { code: codes.UNSERIALIZABLE })
  await t.rejects(cache.getOrSet('big', () => 'x'.repeat(20)), { code: codes.VALUE_TOO_LARGE })
  await t.rejects(cache.set('big', 'x'.repeat(20)), { code: codes.VALUE_TOO_LARGE })
  t.equal(cache.status().l1.items, 0)
  t.equal(await cache.getOrSet('c', () => 'fine'), 'fine', 'the next call loads')
})

t.test('a codec that refuses to decode is an unserializable value', async (t) => {
  const { cache } = standalone(t, { ...base, codec: { encode: (v) => new TextEncoder().encode(String(v)), decode: (b) => { if (b.toString() === 'bad') throw new Error('no'); return b.toString() } } })
  t.equal(await cache.getOrSet('k', () => 42), '42', 'the decoded shape')
  await t.rejects(cache.set('k', 'bad'), { code: codes.UNSERIALIZABLE })
})

t.test('set, get, delete, expire, clear and invalidateTags on L1', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, ttlMs: 100, staleWhileRevalidateMs: 1000 })
  const inv = listen<CacheInvalidateEvent>(t, 'invalidate')
  await cache.set('a', { v: 1 }, { tags: ['t1'] })
  await cache.set('b', 2, { tags: ['t1', 't2'] })
  await cache.set('c', 3)
  await cache.set('z', 0, { ttlMs: 0 })
  t.same(await cache.get('a'), { v: 1 })
  t.equal(await cache.get('z'), undefined, 'ttlMs 0 stores nothing')
  await cache.invalidateTags([])
  await cache.invalidateTags(['t2', 't2'])
  t.equal(cache.peek('b'), undefined)
  t.same(cache.peek('a'), { v: 1 }, 'other tags and untagged entries stay')
  await cache.expire('a')
  await cache.expire('missing')
  t.equal(await cache.get('a'), undefined, 'expired: not fresh')
  t.same(await cache.getOrSet('a', () => 'new'), { v: 1 }, 'but answered inside its stale window')
  await clock.tickAsync(0)
  await cache.delete('c')
  t.equal(cache.peek('c'), undefined)
  await cache.clear()
  t.equal(cache.status().l1.items, 0)
  t.same(inv, [
    { name: 'default', kind: 'set', keys: ['a'], source: 'local' },
    { name: 'default', kind: 'set', keys: ['b'], source: 'local' },
    { name: 'default', kind: 'set', keys: ['c'], source: 'local' },
    { name: 'default', kind: 'tags', tags: ['t2'], source: 'local' },
    { name: 'default', kind: 'expire', keys: ['a'], source: 'local' },
    { name: 'default', kind: 'expire', keys: ['missing'], source: 'local' },
    { name: 'default', kind: 'delete', keys: ['c'], source: 'local' },
    { name: 'default', kind: 'clear', source: 'local' }
  ])
})

t.test('forceFresh skips the tiers and stores the new value', async (t) => {
  const { cache } = standalone(t, base)
  await cache.set('k', 1)
  t.equal(await cache.getOrSet('k', () => 2, { forceFresh: true }), 2)
  t.equal(cache.peek('k'), 2)
})

t.test('L1 bounds: maxItems, maxBytes and maxTtlMs', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, ttlMs: 100_000, l1: { maxItems: 2, maxBytes: 1000, maxTtlMs: 50 } })
  await cache.set('a', 1, { tags: ['t'] })
  await cache.set('b', 2, { tags: ['t'] })
  await cache.set('c', 3)
  t.equal(cache.status().l1.items, 2)
  t.equal(cache.peek('a'), undefined, 'least recently used evicted')
  await cache.set('huge', 'x'.repeat(2000), { tags: ['t'] })
  t.equal(cache.peek('huge'), undefined, 'larger than maxBytes: not kept')
  clock.tick(50)
  t.equal(cache.peek('b'), undefined, 'no L1 copy outlives maxTtlMs')
  await cache.invalidateTags(['t', 'unknown'])
  await cache.set('dup', 1, { tags: ['same', 'same'] })
  await cache.delete('dup')
  t.equal(cache.peek('dup'), undefined, 'an entry listing a tag twice is unindexed cleanly')
})

t.test('TTL jitter spreads expiries within [ttl × (1 - jitter), ttl]', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { earlyRefreshBeta: 0, ttlMs: 1000, jitter: 0.5 })
  const random = Math.random
  t.teardown(() => { Math.random = random })
  Math.random = () => 0.999
  await cache.set('short', 1)
  Math.random = () => 0
  await cache.set('long', 1)
  clock.tick(600)
  t.equal(cache.peek('short'), undefined)
  t.equal(cache.peek('long'), 1)
})

t.test('XFetch refreshes a hot entry early, in the background, once', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { jitter: 0, ttlMs: 1000, earlyRefreshBeta: 1 })
  const random = Math.random
  t.teardown(() => { Math.random = random })
  t.equal(await cache.getOrSet('k', async () => { clock.tick(100); return 1 }), 1, 'a load measured at 100 ms')
  clock.tick(500)
  let calls = 0
  const gate = deferred<number>()
  const load = async (): Promise<number> => { calls++; return await gate.promise }
  Math.random = () => 0.9 // -ln(0.9) × 100 ms ≈ 10 ms: not early yet
  t.equal(await cache.getOrSet('k', load), 1)
  t.equal(calls, 0)
  Math.random = () => 0.0001 // -ln(0.0001) × 100 ms ≈ 921 ms: past the expiry
  t.equal(await cache.getOrSet('k', load, { ttlMs: 'x' } as never), 1, 'bad options: no early refresh (the next miss reports them)')
  t.equal(calls, 0)
  t.equal(await cache.getOrSet('k', load), 1, 'answered from L1 at once')
  t.equal(await cache.getOrSet('k', load), 1)
  t.equal(calls, 1, 'one early refresh')
  gate.resolve(2)
  await clock.tickAsync(0)
  t.equal(cache.peek('k'), 2)
  t.equal(await cache.getOrSet('m', async () => { clock.tick(100); return 1 }), 1)
  const forced = deferred<number>()
  const forcing = cache.getOrSet('m', () => forced.promise, { forceFresh: true })
  Math.random = () => 1e-10 // -ln(1e-10) × 100 ms ≈ 2300 ms: early, but a load is running
  t.equal(await cache.getOrSet('m', load), 1, 'a hit while a load of the key runs starts no early refresh')
  t.equal(calls, 1)
  forced.resolve(5)
  t.equal(await forcing, 5)
})

t.test('XFetch draws no random number far from expiry (no draw could trigger a refresh there)', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { jitter: 0, ttlMs: 10_000, earlyRefreshBeta: 1 })
  const random = Math.random
  t.teardown(() => { Math.random = random })
  t.equal(await cache.getOrSet('k', async () => { clock.tick(100); return 1 }), 1, 'a load measured at 100 ms')
  let draws = 0
  Math.random = () => { draws++; return 0.5 }
  t.equal(await cache.getOrSet('k', async () => 2), 1, '9.9 s from expiry, more than 37 × 100 ms')
  t.equal(draws, 0)
  clock.tick(6300)
  t.equal(await cache.getOrSet('k', async () => 2), 1, '3.6 s from expiry: within reach of a draw')
  t.equal(draws, 1)
})

t.test('close: refreshes are awaited (up to 2 s), loads aborted, later calls reject HL_CACHE_CLOSED', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, ttlMs: 10, staleWhileRevalidateMs: 10_000 })
  await cache.getOrSet('k', () => 'v1')
  clock.tick(20)
  let refreshed = false
  t.equal(await cache.getOrSet('k', async () => { await new Promise((resolve) => setTimeout(resolve, 500)); refreshed = true; return 'v2' }), 'v1')
  let signal: AbortSignal | undefined
  const hung = t.rejects(cache.getOrSet('hung', ({ signal: s }) => { signal = s; return new Promise(() => {}) }), { code: codes.CLOSED }, 'a load running at close is rejected')
  const closing = cache.close()
  await clock.tickAsync(500)
  t.equal(refreshed, true, 'the refresh finished before close resolved')
  await clock.tickAsync(2000)
  await closing
  t.equal(signal?.aborted, true)
  await hung
  await cache.close()
  await t.rejects(cache.getOrSet('k', () => 1), { code: codes.CLOSED, statusCode: 503 })
  for (const call of [() => cache.get('k'), () => cache.set('k', 1), () => cache.delete('k'), () => cache.expire('k'), () => cache.invalidateTags(['t']), () => cache.clear()]) {
    await t.rejects(call(), { code: codes.CLOSED })
  }
  t.equal(cache.peek('k'), undefined)
  await cache.check()
})

t.test('close gives a hung refresh 2 s at most', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, ttlMs: 10, staleWhileRevalidateMs: 10_000 })
  await cache.getOrSet('k', () => 'v1')
  clock.tick(20)
  t.equal(await cache.getOrSet('k', () => new Promise<string>(() => {})), 'v1')
  let closed = false
  const closing = cache.close().then(() => { closed = true })
  await clock.tickAsync(1999)
  t.equal(closed, false)
  await clock.tickAsync(1)
  await closing
  t.equal(closed, true)
})

t.test('invalidateTags calls http.onInvalidate with the tags; a failing hook is logged', async (t) => {
  const seen: Array<readonly string[]> = []
  const { cache, lines } = standalone(t, { ...base, http: { onInvalidate: (tags) => { seen.push(tags); if (tags.includes('bad')) throw new Error('purge failed') } } })
  await cache.invalidateTags(['a', 'b', 'a'])
  await cache.invalidateTags(['bad'])
  t.same(seen, [['a', 'b'], ['bad']])
  t.match(lines, [{ level: 'error', msg: 'cache onInvalidate hook failed' }])
})

t.test('expire: an entry without stale windows is gone; expiring twice changes nothing', async (t) => {
  const clock = fakeClock(t)
  const { cache } = standalone(t, { ...base, ttlMs: 1000, staleWhileRevalidateMs: 500 })
  await cache.set('plain', 1, { staleWhileRevalidateMs: 0 })
  await cache.expire('plain')
  t.equal(cache.status().l1.items, 0)
  await cache.set('k', 1)
  await cache.expire('k')
  clock.tick(100)
  await cache.expire('k')
  clock.tick(450)
  t.equal(await cache.getOrSet('k', () => 2), 2, 'the window ended 500 ms after the first expire')
})

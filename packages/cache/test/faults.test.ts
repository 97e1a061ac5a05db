import t from 'tap'
import { startRedis, waitUntil } from '@highload/testing'
import type { CacheErrorEvent } from '../src/index.js'
import { codes } from '../src/index.js'
import { build, client, connected, listen, prefix } from './helpers.js'

// A throwaway Redis that the tests kill, pause and restart (each test leaves it running).
const redis = await startRedis({ reuseExternal: false })
t.teardown(() => redis.close())
const base = { jitter: 0, earlyRefreshBeta: 0, redis: redis.url }

async function up (): Promise<void> {
  if (redis.pid === undefined) await redis.restart()
}

t.test('Redis killed: every call answers (a miss, never an error or a hang: cacheable#1170, #1208), the breaker opens, L2 is back after a probe', async (t) => {
  const app = await build(t, { ...base, prefix: prefix(), l2: { breaker: { openMs: 200, maxOpenMs: 400 } } })
  await connected(app)
  const errors = listen<CacheErrorEvent>(t, 'error')
  await app.cache.set('warm', 'w', { ttlMs: 60_000 })
  await redis.kill()
  t.teardown(up)
  let calls = 0
  const answers = await Promise.all(Array.from({ length: 50 }, (_, i) => app.cache.getOrSet(`k${i % 5}`, async () => { calls++; return i % 5 })))
  t.same(answers.slice(0, 5), [0, 1, 2, 3, 4])
  t.equal(calls, 5, 'single-flight still protects the loader')
  t.equal(await app.cache.getOrSet('warm', () => 'reloaded'), 'w', 'L1 answers')
  await app.cache.set('written', 'x')
  t.equal(app.cache.peek('written'), 'x', 'a failed L2 write never throws; L1 has the value')
  for (let i = 0; i < 10; i++) await app.cache.getOrSet(`miss${i}`, () => i)
  await waitUntil(() => app.cache.status().l2 === 'open', 'the breaker opens')
  t.ok(errors.some((e) => e.tier === 'l2' && e.op === 'get'), 'errors are reported as events')
  t.ok(errors.some((e) => e.code === 'HL_BREAKER_OPEN'))
  t.equal(await app.cache.getOrSet('open', () => 'L1 only'), 'L1 only')
  await redis.restart()
  await waitUntil(async () => { await app.cache.get('probe'); return app.cache.status().l2 === 'up' }, 'L2 back after a probe', 15_000)
  await waitUntil(() => app.cache.status().bus === 'up', 'the bus is back')
  await app.cache.set('after', 'ok')
  t.equal(await app.cache.get('after'), 'ok')
})

t.test('Redis paused: commands time out at commandTimeoutMs; stale L1 is served; close is prompt', async (t) => {
  const app = await build(t, { ...base, prefix: prefix(), ttlMs: 50, staleIfErrorMs: 60_000, l2: { commandTimeoutMs: 50 } })
  await connected(app)
  await app.cache.set('k', 'v1')
  await new Promise((resolve) => setTimeout(resolve, 60))
  await redis.pause()
  t.teardown(() => redis.resume())
  const boom = new Error('db down too')
  t.equal(await app.cache.getOrSet('k', () => { throw boom }), 'v1', 'an L2 timeout is a miss; the failing loader falls back to stale')
  t.equal(await app.cache.getOrSet('cold', () => 'loaded'), 'loaded')
  t.equal(await app.cache.get('nothing'), undefined)
  await app.close()
  await redis.resume()
})

t.test('invalidations wait for Redis: HL_CACHE_UNAVAILABLE by the deadline, delivered once Redis is back', async (t) => {
  const p = prefix()
  const app = await build(t, { ...base, prefix: p })
  await connected(app)
  await app.cache.set('k', 1, { tags: ['t'] })
  await waitUntil(() => app.cache.status().pendingInvalidations === 0, 'the set is published')
  await redis.kill()
  t.teardown(up)
  await t.rejects(app.cache.invalidateTags(['t']), { code: codes.UNAVAILABLE, statusCode: 503, headers: { 'retry-after': '1' } })
  t.equal(app.cache.peek('k'), undefined, 'the local L1 changed at once')
  await t.rejects(app.cache.delete('k'), { code: codes.UNAVAILABLE })
  t.equal(app.cache.status().pendingInvalidations, 2)
  await redis.restart()
  await waitUntil(() => app.cache.status().pendingInvalidations === 0, 'the queue drains', 15_000)
  t.same(await client(t, redis.url).hgetall(`${p}gens`), { t: '1' }, 'the generation bump reached Redis')
  await app.cache.invalidateTags(['t'])
})

t.test('the subscriber reconnects: L1 entries that may have missed messages are dropped', async (t) => {
  const app = await build(t, { ...base, prefix: prefix() })
  await connected(app)
  await app.cache.set('a', 1)
  await app.cache.set('b', 2)
  t.equal(app.cache.status().l1.items, 2)
  await redis.kill()
  await app.cache.set('during', 3)
  await redis.restart()
  await waitUntil(() => app.cache.status().bus === 'up', 'the bus reconnects', 15_000)
  t.equal(app.cache.status().l1.items, 0)
})

t.test('the retry queue is bounded: the oldest invalidation is dropped and logged', async (t) => {
  const { MAX_PENDING_INVALIDATIONS } = await import('../src/index.js')
  const { standalone } = await import('./helpers.js')
  const { cache, lines } = standalone(t, { ...base, prefix: prefix() })
  await waitUntil(() => cache.status().l2 === 'up', 'L2 up')
  await redis.kill()
  t.teardown(up)
  const all = Array.from({ length: MAX_PENDING_INVALIDATIONS + 1 }, (_, i) => cache.delete(`k${i}`).catch((err: unknown) => err))
  t.equal(cache.status().pendingInvalidations, MAX_PENDING_INVALIDATIONS)
  t.match(lines, [{ level: 'warn', msg: 'cache invalidation dropped: the retry queue is full' }])
  t.match(await all[1], { code: codes.UNAVAILABLE }, 'rejected at the deadline, still queued')
  await cache.close()
  const results = await Promise.all(all)
  t.ok(results.every((r) => (r as { code?: string }).code === codes.UNAVAILABLE), 'every caller settles')
  t.equal(cache.status().pendingInvalidations, 0)
})

t.test('a set whose L2 write failed deletes the old L2 record once Redis is back', async (t) => {
  const p = prefix()
  const app = await build(t, { ...base, prefix: p })
  await connected(app)
  await app.cache.set('k', 'old')
  await waitUntil(() => app.cache.status().pendingInvalidations === 0, 'the set is published')
  await redis.pause()
  t.teardown(() => redis.resume())
  await app.cache.set('k', 'new')
  t.equal(app.cache.peek('k'), 'new')
  t.equal(app.cache.status().pendingInvalidations, 1, 'the delete waits in the queue')
  await redis.resume()
  await waitUntil(() => app.cache.status().pendingInvalidations === 0, 'the queue drains', 15_000)
  const { KeyLayout } = await import('../src/keys.js')
  const raw = client(t, redis.url)
  await waitUntil(async () => (await raw.exists(new KeyLayout(p).entry('k'))) === 0, 'the old record is gone')
})

t.test('under load, Redis paused 5 s, then killed and restarted: no request over 1 s, no 5xx, L2 and bus back', async (t) => {
  const { default: Fastify } = await import('fastify')
  const { default: cache } = await import('../src/index.js')
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(cache, { ...base, prefix: prefix(), ttlMs: 200, staleIfErrorMs: 60_000 })
  app.get('/cached/:id', { config: { cache: true } }, async (req) => ({ id: (req.params as { id: string }).id }))
  app.get('/value/:id', async (req) => await app.cache.getOrSet(`v:${(req.params as { id: string }).id}`, async () => ({ at: Date.now() })))
  app.get('/plain', async () => 'plain')
  await app.ready()
  await connected(app)
  const durations: number[] = []
  const statuses = new Map<number, number>()
  const state = { running: true }
  const worker = async (n: number): Promise<void> => {
    for (let i = n; state.running; i++) {
      const url = [`/cached/${i % 10}`, `/value/${i % 10}`, '/plain'][i % 3] as string
      const started = Date.now()
      const res = await app.inject(url)
      durations.push(Date.now() - started)
      statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1)
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
  }
  const workers = [0, 1, 2, 3].map(worker)
  const elapsed = async (ms: number, what: string): Promise<void> => {
    const from = Date.now()
    await waitUntil(() => Date.now() - from >= ms, what, ms + 5000)
  }
  await elapsed(300, 'a warm-up')
  await redis.pause()
  t.teardown(() => redis.resume())
  await elapsed(5000, 'Redis paused for 5 s')
  await redis.resume()
  await elapsed(300, 'traffic after the pause')
  await redis.kill()
  t.teardown(up)
  await elapsed(1000, 'Redis dead for 1 s')
  await redis.restart()
  await waitUntil(async () => { await app.cache.get('probe'); const s = app.cache.status(); return s.l2 === 'up' && s.bus === 'up' }, 'L2 and bus back', 20_000)
  state.running = false
  await Promise.all(workers)
  t.same([...statuses.keys()], [200], 'every response is a 200')
  t.ok(durations.length > 100, `${durations.length} requests`)
  const slowest = Math.max(...durations)
  t.ok(slowest < 1000, `the slowest request took ${slowest} ms`)
})

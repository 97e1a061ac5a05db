import t from 'tap'
import fastifyRedis from '@fastify/redis'
import { startRedis, waitUntil } from '@highload/testing'
import { Redis } from 'ioredis'
import type { CacheInvalidateEvent, CacheLookupEvent } from '../src/index.js'
import { KeyLayout } from '../src/keys.js'
import { build, client, connected, listen, monitor, prefix } from './helpers.js'

// One real Redis for the whole file; each test uses its own key prefix.
const redis = await startRedis()
t.teardown(() => redis.close())
const base = { jitter: 0, earlyRefreshBeta: 0, redis: redis.url }

async function pair (t: { teardown: (fn: () => unknown) => void }, options: object = {}): Promise<[import('fastify').FastifyInstance, import('fastify').FastifyInstance, string]> {
  const p = prefix()
  const a = await build(t, { ...base, prefix: p, ...options })
  const b = await build(t, { ...base, prefix: p, ...options })
  await Promise.all([connected(a), connected(b)])
  return [a, b, p]
}

t.test('an L2 hit answers another instance with the same shape L1 holds (bentocache#111)', async (t) => {
  const [a, b] = await pair(t)
  const hits = listen<CacheLookupEvent>(t, 'hit')
  const value = { at: new Date(0), list: [1, 'two', null], nested: { ok: true } }
  const first = await a.cache.getOrSet('k', () => value)
  t.same(first, { at: '1970-01-01T00:00:00.000Z', list: [1, 'two', null], nested: { ok: true } })
  let calls = 0
  const fromL2 = await b.cache.getOrSet('k', () => { calls++; return 'never' })
  t.same(fromL2, first)
  t.equal(calls, 0)
  t.same(await b.cache.getOrSet('k', () => 'never'), first, 'then from L1: the same shape')
  t.same(hits, [{ name: 'default', tier: 'l2', key: 'k' }, { name: 'default', tier: 'l1', key: 'k' }])
  t.same(await b.cache.get('k'), first)
  t.equal(await b.cache.get('missing'), undefined)
})

t.test('get answers an L2 hit; null loads are negative entries in L2 too', async (t) => {
  const [a, b] = await pair(t)
  await a.cache.set('s', 'v')
  const hits = listen<CacheLookupEvent>(t, 'hit')
  const misses = listen<CacheLookupEvent>(t, 'miss')
  t.equal(await b.cache.get('s'), 'v')
  t.equal(await a.cache.getOrSet('n', () => null), null)
  t.equal(await b.cache.getOrSet('n', () => 'loaded'), null, 'the negative entry answers')
  t.equal(await b.cache.get('none'), undefined)
  t.same(hits, [{ name: 'default', tier: 'l2', key: 's' }, { name: 'default', tier: 'l2', key: 'n' }])
  t.same(misses, [{ name: 'default', tier: 'l2', key: 'n' }, { name: 'default', tier: 'l2', key: 'none' }])
})

t.test('the bus drops other instances\' L1 copies; the sender ignores its own messages', async (t) => {
  const [a, b] = await pair(t)
  const events = listen<CacheInvalidateEvent>(t, 'invalidate')
  await a.cache.set('k', 1)
  t.equal(await b.cache.getOrSet('k', () => 0), 1)
  await a.cache.set('k', 2)
  await waitUntil(() => b.cache.peek('k') === undefined, 'B drops its copy')
  t.equal(await b.cache.get('k'), 2)
  await b.cache.delete('k')
  await waitUntil(() => a.cache.peek('k') === undefined, 'A drops its copy')
  t.equal(await a.cache.get('k'), undefined)
  t.same(events.filter((e) => e.source === 'bus').map((e) => e.kind), ['set', 'set', 'delete'], 'each instance hears only the other')
})

t.test('tags: a generation per tag, checked on read; untagged entries keep their L1 copies', async (t) => {
  const [a, b] = await pair(t)
  const seen = await monitor(t, redis.url)
  await a.cache.getOrSet('p1', () => 'one', { tags: ['product:1', 'all'] })
  await a.cache.getOrSet('p2', () => 'two', { tags: ['product:2', 'all'] })
  await a.cache.getOrSet('plain', () => 'plain')
  t.equal(await b.cache.getOrSet('p1', () => 'x'), 'one')
  t.equal(await b.cache.getOrSet('plain', () => 'x'), 'plain')
  await b.cache.invalidateTags(['product:1'])
  t.equal(b.cache.peek('p1'), undefined)
  await waitUntil(() => a.cache.peek('p1') === undefined, 'A drops the tagged copy')
  t.equal(a.cache.peek('p2'), 'two')
  t.equal(a.cache.peek('plain'), 'plain', 'untagged entries keep their L1 copies')
  t.equal(await a.cache.get('p1'), undefined, 'the L2 record is stale by generation')
  t.equal(await a.cache.getOrSet('p1', () => 'one v2', { tags: ['product:1'] }), 'one v2')
  t.equal(await b.cache.getOrSet('p1', () => 'x'), 'one v2', 'a new write carries the new generation')
  await a.cache.invalidateTags(['all'])
  t.equal(await b.cache.getOrSet('p2', () => 'two v2'), 'two v2')
  t.ok(seen.length > 0, 'MONITOR saw the cache at work')
  t.notOk(seen.some((c) => c === 'KEYS' || c === 'SCAN' || c.startsWith('FLUSH')), 'no KEYS, SCAN or FLUSH*')
})

t.test('clear bumps the namespace generation: every instance, every entry, no KEYS/SCAN/FLUSH', async (t) => {
  const [a, b, p] = await pair(t)
  const other = await build(t, { ...base, prefix: prefix() })
  await connected(other)
  const seen = await monitor(t, redis.url)
  await a.cache.set('x', 1)
  await a.cache.set('y', 2, { tags: ['t'] })
  await other.cache.set('x', 'other namespace')
  t.equal(await b.cache.get('x'), 1)
  await a.cache.clear()
  t.equal(a.cache.status().l1.items, 0)
  await waitUntil(() => b.cache.status().l1.items === 0, 'B clears L1')
  t.equal(await b.cache.get('x'), undefined)
  t.equal(await b.cache.get('y'), undefined)
  t.equal(await other.cache.get('x'), 'other namespace', 'another prefix is untouched')
  t.notOk(seen.some((c) => c === 'KEYS' || c === 'SCAN' || c.startsWith('FLUSH')))
  const gens = await client(t, redis.url).hgetall(`${p}gens`)
  t.same(gens, { '': '1' })
})

t.test('expire makes an entry stale everywhere; it is answered inside its stale window and refreshed', async (t) => {
  const [a, b, p] = await pair(t, { staleWhileRevalidateMs: 60_000 })
  await a.cache.set('k', 'v1')
  t.equal(await b.cache.get('k'), 'v1')
  await a.cache.expire('k')
  await waitUntil(() => b.cache.peek('k') === undefined, 'B drops its fresh copy')
  t.equal(await b.cache.get('k'), undefined, 'not fresh any more')
  let calls = 0
  t.equal(await b.cache.getOrSet('k', () => { calls++; return 'v2' }), 'v1', 'stale from L2, inside the window')
  await waitUntil(() => b.cache.peek('k') === 'v2', 'the background refresh stores v2')
  t.equal(calls, 1)
  await a.cache.expire('k')
  const c = await build(t, { ...base, prefix: p, staleWhileRevalidateMs: 60_000 })
  await connected(c)
  t.equal(await c.cache.getOrSet('k', () => new Promise<string>(() => {})), 'v2', 'stale found in L2 only')
  await a.cache.expire('gone')
  await a.cache.set('fresh-less', 'v', { ttlMs: 0 })
  await a.cache.expire('fresh-less')
})

t.test('hostile keys and tags round-trip and never touch another key\'s records', async (t) => {
  const [a, b] = await pair(t)
  const keys = ['{a}', '{a}b', 'a', 'a:b', '*', 'with space', 'line\r\nbreak', 'ünïcødé ✓', '}{', '{', '{}']
  for (const [i, key] of keys.entries()) await a.cache.set(key, i, { tags: [key] })
  for (const [i, key] of keys.entries()) t.equal(await b.cache.get(key), i, JSON.stringify(key))
  await a.cache.invalidateTags(['{a}'])
  await waitUntil(() => b.cache.peek('{a}') === undefined, 'B drops the tagged copy')
  t.equal(await b.cache.get('{a}'), undefined)
  t.equal(await b.cache.get('{a}b'), 1)
  const layout = new KeyLayout('p:')
  t.not(layout.entry('{a}'), layout.entry('{a}b'))
  t.match(layout.entry('{user}x'), /^p:\{[0-9a-z]+\}e:\{user\}x$/, 'the derived hash tag comes first')
})

t.test('an unreadable L2 record is a miss, not a crash', async (t) => {
  const [a, , p] = await pair(t)
  const raw = client(t, redis.url)
  const layout = new KeyLayout(p)
  await raw.set(layout.entry('garbage'), '[[],[0]]\nnot json\nrest')
  await raw.set(layout.entry('nometa'), 'no newline at all')
  await raw.set(layout.entry('nobody'), '[[],[0]]\nno-second-line')
  await raw.set(layout.entry('badvalue'), '[[],[0]]\n{"f":9999999999999,"w":9999999999999,"s":9999999999999,"d":0,"k":0,"t":[]}\n{not json')
  for (const key of ['garbage', 'nometa', 'nobody', 'badvalue']) t.equal(await a.cache.getOrSet(key, () => 'loaded'), 'loaded', key)
  await raw.set(layout.entry('garbage2'), '[[],[0]]\nnot json\nrest')
  await a.cache.expire('garbage2')
  t.equal(await raw.get(layout.entry('garbage2')), '[[],[0]]\nnot json\nrest', 'an unreadable record is left alone')
  await raw.publish(`${p}bus`, 'not json')
  await raw.publish(`${p}bus`, JSON.stringify({ i: 'x', k: 'nope', x: [] }))
  await raw.publish(`${p}bus`, 'null')
  await raw.publish(`${p}bus`, JSON.stringify({ i: 'x', k: 'delete', x: ['garbage'] }))
  await waitUntil(() => a.cache.peek('garbage') === undefined, 'a valid foreign message still works')
  t.equal(a.cache.peek('nometa'), 'loaded')
})

t.test('a custom codec is used for both tiers', async (t) => {
  const codec = {
    encode: (v: unknown) => Buffer.from(`v:${JSON.stringify(v)}`),
    decode: (b: Buffer) => ({ decoded: JSON.parse(b.subarray(2).toString()) })
  }
  const [a, b] = await pair(t, { codec })
  t.same(await a.cache.getOrSet('k', () => 1), { decoded: 1 })
  t.same(await b.cache.get('k'), { decoded: 1 })
})

t.test('lease: instances that miss together run one loader; the others get its value', async (t) => {
  const p = prefix()
  const apps = await Promise.all([1, 2, 3].map(async () => await build(t, { ...base, prefix: p, lease: { ttlMs: 5000, waitMs: 3000 } })))
  await Promise.all(apps.map(connected))
  let calls = 0
  const load = async (): Promise<string> => { calls++; await new Promise((resolve) => setTimeout(resolve, 100)); return 'v' }
  const results = await Promise.all(apps.flatMap((app) => [app.cache.getOrSet('cold', load), app.cache.getOrSet('cold', load)]))
  t.same(results, ['v', 'v', 'v', 'v', 'v', 'v'])
  t.equal(calls, 1, 'one loader call across three instances')
  t.equal(await apps[0]?.cache.getOrSet('other', () => 'x', { lease: false }), 'x')
  const q = prefix()
  const plain = await Promise.all([1, 2].map(async () => await build(t, { ...base, prefix: q })))
  await Promise.all(plain.map(connected))
  calls = 0
  const perCall = await Promise.all(plain.map(async (app) => await app.cache.getOrSet('cold', load, { lease: true })))
  t.same(perCall, ['v', 'v'])
  t.equal(calls, 1, 'lease: true on a call uses the default lease when the plugin has none')
})

t.test('lease: a waiter loads itself once waitMs has passed', async (t) => {
  const p = prefix()
  const [a, b] = await Promise.all([1, 2].map(async () => await build(t, { ...base, prefix: p, lease: { waitMs: 50 } })))
  await Promise.all([connected(a!), connected(b!)])
  let release!: () => void
  const held = a!.cache.getOrSet('k', () => new Promise<string>((resolve) => { release = () => resolve('slow') }))
  await waitUntil(async () => (await client(t, redis.url).exists(new KeyLayout(p).lease('k'))) === 1, 'A holds the lease')
  t.equal(await b!.cache.getOrSet('k', () => 'own'), 'own', 'B gave up waiting and loaded')
  release()
  t.equal(await held, 'slow')
  t.equal(await b!.cache.getOrSet('k2', () => 'x', { lease: true }), 'x')
  const holder = a!.cache.getOrSet('k3', () => new Promise<string>(() => {}), { lease: true })
  holder.catch(() => {})
  await waitUntil(async () => (await client(t, redis.url).exists(new KeyLayout(p).lease('k3'))) === 1, 'A holds the lease')
  const c = await build(t, { ...base, prefix: p, lease: { waitMs: 60_000 } })
  await connected(c)
  const seen = await monitor(t, redis.url)
  const waiter = c.cache.getOrSet('k3', () => 'never')
  // The waiter polls L2 (EVALSHA) while A holds the lease: then close releases it.
  await waitUntil(() => seen.filter((command) => command === 'EVALSHA').length >= 2, 'C polls for the holder\'s value')
  await c.close()
  await t.rejects(waiter, { code: 'HL_CACHE_CLOSED' }, 'a waiter is released by close')
})

t.test('the app\'s own client is duplicated, used by nobody else, and never closed by us', async (t) => {
  const mine = new Redis(redis.url)
  t.teardown(() => mine.disconnect())
  const app = await build(t, { ...base, redis: mine, prefix: prefix() })
  await connected(app)
  t.equal(await app.cache.getOrSet('k', () => 1), 1)
  await app.close()
  t.equal(await mine.ping(), 'PONG', 'still open')
})

t.test('fastify.redis (@fastify/redis registered first) is the default', async (t) => {
  const p = prefix()
  const app = await build(t, { jitter: 0, prefix: p }, async (app) => {
    await app.register(fastifyRedis, { url: redis.url })
  })
  await connected(app)
  await app.cache.set('k', 'v')
  t.equal(await app.redis.exists(new KeyLayout(p).entry('k')), 1, 'written through our own duplicate')
  t.equal(app.cache.status().l2, 'up')
  const l1only = await build(t, {}, (app) => { app.decorate('redis', { not: 'a client' } as never) })
  t.equal(l1only.cache.status().l2, 'off', 'a redis decorator that is not a client is ignored')
})

import t from 'tap'
import { startRedisCluster, waitUntil } from '@highload/testing'
import { Cluster } from 'ioredis'
import type { FastifyInstance } from 'fastify'
import Fastify from 'fastify'
import cache from '../src/index.js'
import { build, connected, prefix } from './helpers.js'

// One 3-master Redis Cluster for the file; the last test kills a master.
const cluster = await startRedisCluster()
t.teardown(() => cluster.close())

function client (t: { teardown: (fn: () => unknown) => void }): Cluster {
  const c = new Cluster(cluster.startupNodes)
  t.teardown(() => c.disconnect())
  return c
}

async function pair (t: { teardown: (fn: () => unknown) => void }, options: object = {}): Promise<[FastifyInstance, FastifyInstance]> {
  const p = prefix()
  const routes = (app: FastifyInstance): void => {
    app.get('/p/:id', { config: { cache: true } }, async (req) => `page ${(req.params as { id: string }).id} ${Date.now()}`)
    app.put('/p/:id', async () => 'ok')
  }
  const make = async (): Promise<FastifyInstance> => {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(cache, { jitter: 0, earlyRefreshBeta: 0, redis: client(t), prefix: p, ...options })
    routes(app)
    await app.ready()
    return app
  }
  const a = await make()
  const b = await make()
  await Promise.all([connected(a), connected(b)])
  return [a, b]
}

t.test('on a Cluster: L2 hits, tags, the bus, clear, lease and route caching', async (t) => {
  const [a, b] = await pair(t, { lease: true })
  const keys = Array.from({ length: 12 }, (_, i) => `{user}:${i}`)
  for (const key of keys) await a.cache.getOrSet(key, () => key.toUpperCase(), { tags: ['all', key] })
  let calls = 0
  for (const key of keys) t.equal(await b.cache.getOrSet(key, () => { calls++; return 'x' }), key.toUpperCase())
  t.equal(calls, 0, 'every key answered from L2, whatever its slot')
  await a.cache.invalidateTags(['{user}:3'])
  await waitUntil(() => b.cache.peek('{user}:3') === undefined, 'the bus reaches B')
  t.equal(await b.cache.get('{user}:3'), undefined)
  t.equal(await b.cache.get('{user}:4'), '{USER}:4')
  await a.cache.set('s', 'v1')
  t.equal(await b.cache.get('s'), 'v1')
  await a.cache.set('s', 'v2')
  await waitUntil(() => b.cache.peek('s') === undefined, 'B drops its copy')
  t.equal(await b.cache.get('s'), 'v2')
  await b.cache.clear()
  await waitUntil(() => a.cache.status().l1.items === 0, 'A clears its L1')
  t.equal(await a.cache.get('{user}:5'), undefined)

  let loads = 0
  const load = async (): Promise<string> => { loads++; await new Promise((resolve) => setTimeout(resolve, 50)); return 'once' }
  t.same(await Promise.all([a.cache.getOrSet('cold', load), b.cache.getOrSet('cold', load)]), ['once', 'once'])
  t.equal(loads, 1, 'the lease works across slots')

  const first = await a.inject('/p/1')
  const second = await b.inject('/p/1')
  t.equal(second.body, first.body)
  t.match(second.headers['cache-status'], /detail=l2/)
  await b.inject({ method: 'PUT', url: '/p/1' })
  await waitUntil(async () => (await a.inject('/p/1')).body !== first.body, 'the write invalidated A')
  await a.cache.expire('s')
})

t.test('a record with a broken meta line is a miss', async (t) => {
  const p = prefix()
  const a = await build(t, { redis: client(t), prefix: p })
  await connected(a)
  const { KeyLayout } = await import('../src/keys.js')
  await client(t).set(new KeyLayout(p).entry('k'), 'not json\nbody')
  t.equal(await a.cache.getOrSet('k', () => 'loaded'), 'loaded')
})

t.test('one master killed: no hang, every call answers', async (t) => {
  const [a] = await pair(t)
  for (let i = 0; i < 10; i++) await a.cache.set(`k${i}`, i)
  await cluster.nodes[0]?.kill()
  const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => a.cache.getOrSet(`fresh${i}`, () => i)))
  t.same(answers, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9])
  t.same(await Promise.all(Array.from({ length: 10 }, (_, i) => a.cache.get(`k${i}`))), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9], 'L1 answers')
  await a.cache.set('after', 1)
  await t.resolves(a.close())
})

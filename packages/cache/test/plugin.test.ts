import t from 'tap'
import health from '@highload/health'
import { startRedis, waitUntil } from '@highload/testing'
import Fastify from 'fastify'
import { Redis } from 'ioredis'
import cache, { codes } from '../src/index.js'
import { build, connected, prefix } from './helpers.js'

t.test('registers fastify.cache; L1 only without Redis; the health check is added in onReady', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(cache, { name: 'l1only' })
  await app.register(health)
  await app.ready()
  t.equal(app.cache.name, 'l1only')
  t.equal(app.cache.status().l2, 'off')
  t.equal(await app.cache.getOrSet('k', () => 1), 1)
  await app.cache.check()
  const res = await app.inject('/health')
  t.match(res.body, /cache\.l1only/)
  await app.close()
  await t.rejects(app.cache.get('k'), { code: codes.CLOSED })
})

t.test('no health check without @highload/health, or with health: false', async (t) => {
  const app = await build(t, { health: false }, async (app) => { await app.register(health) })
  t.notMatch((await app.inject('/health')).body, /cache\./)
  const bare = await build(t)
  t.equal(bare.cache.status().l2, 'off')
})

t.test('bad options fail the registration', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await t.rejects(async () => { await app.register(cache, { ttlMs: -5 }).ready() }, { code: codes.INVALID_OPTION })
})

t.test('the health check fails while Redis does not answer, and passes again', async (t) => {
  const redis = await startRedis({ reuseExternal: false })
  t.teardown(() => redis.close())
  const app = await build(t, { redis: redis.url, prefix: prefix(), health: { critical: true } }, async (app) => { await app.register(health) })
  await connected(app)
  await app.cache.check()
  await waitUntil(async () => (await app.inject('/readyz')).statusCode === 200, 'ready')
  await redis.kill()
  await t.rejects(app.cache.check())
  await waitUntil(async () => (await app.inject('/readyz')).statusCode === 503, 'not ready while Redis is down')
  await redis.restart()
  await waitUntil(async () => (await app.inject('/readyz')).statusCode === 200, 'ready again', 15_000)
})

t.test('the bus being down fails the check', async (t) => {
  const redis = await startRedis({ reuseExternal: false })
  t.teardown(() => redis.close())
  const app = await build(t, { redis: redis.url, prefix: prefix() })
  await connected(app)
  const raw = new Redis(redis.url)
  t.teardown(() => raw.disconnect())
  // Only the subscriber's connection is killed: PING still answers, the bus is down.
  await waitUntil(async () => {
    await raw.call('CLIENT', 'KILL', 'TYPE', 'pubsub')
    return await app.cache.check().then(() => false, (err: Error) => /bus/.test(err.message))
  }, 'the check fails while the bus is down')
  await waitUntil(async () => await app.cache.check().then(() => true, () => false), 'the check passes again', 15_000)
})

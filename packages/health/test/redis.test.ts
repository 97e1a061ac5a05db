import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import t from 'tap'
import Fastify from 'fastify'
import fastifyRedis from '@fastify/redis'
import { Redis } from 'ioredis'
import { startRedis, waitUntil } from '@highload/testing'
import health, { redisCheck, TRANSITION_CHANNEL } from '../src/index.js'
import type { HealthTransitionMessage } from '../src/index.js'

t.test('app.redis from @fastify/redis: a killed Redis fails readiness within the threshold and recovers after restart', async (t) => {
  const redis = await startRedis({ reuseExternal: false })
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    await redis.close()
  })
  const transitions: HealthTransitionMessage[] = []
  const listener = (message: unknown): void => { transitions.push(message as HealthTransitionMessage) }
  subscribe(TRANSITION_CHANNEL, listener)
  t.teardown(() => unsubscribe(TRANSITION_CHANNEL, listener))

  await app.register(fastifyRedis, { url: redis.url })
  await app.register(health, { exposeDetails: 'always' })
  app.health.addCheck(redisCheck(app.redis, { critical: true, intervalMs: 100, timeoutMs: 300, failureThreshold: 3 }))
  await app.ready()
  await waitUntil(() => app.health.isReady(), 'first readiness', 10_000)
  const doc = app.health.status()
  t.match(doc.checks['redis:responseTime']?.[0], { componentType: 'datastore', status: 'pass', observedUnit: 'ms', observedValue: Number })

  await redis.kill()
  const elapsed = await waitUntil(() => !app.health.isReady(), 'readiness to fail', 10_000)
  // three failed runs of at most 100 ms apart plus 300 ms timeout each; generous bound for a loaded machine
  t.ok(elapsed < 5000, `not ready ${elapsed} ms after the kill`)
  const fail = transitions.find((m) => m.scope === 'check' && m.name === 'redis' && m.to === 'fail')
  t.ok(fail, 'the check transition was published')
  const res = await app.inject('/readyz?verbose')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.match(res.body, /\[-\]redis failed: .+\n/)
  t.notMatch(res.body, String(redis.port), 'the port is redacted')
  t.equal((await app.inject('/livez')).statusCode, 200, 'a dead Redis never fails liveness')

  await redis.restart()
  await waitUntil(() => app.health.isReady(), 'readiness to recover', 20_000)
  const back = await app.inject('/readyz?verbose')
  t.equal(back.statusCode, 200, back.body)
  t.ok(transitions.some((m) => m.scope === 'readiness' && m.to === 'pass' && transitions.indexOf(m) > transitions.indexOf(fail as HealthTransitionMessage)))
})

t.test('a paused Redis makes the check time out, not hang', async (t) => {
  const redis = await startRedis({ reuseExternal: false })
  const client = new Redis(redis.url)
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    client.disconnect()
    await redis.close()
  })
  await app.register(health, { exposeDetails: 'always' })
  app.health.addCheck(redisCheck(client, { name: 'cache', critical: true, intervalMs: 100, timeoutMs: 250, failureThreshold: 2 }))
  await app.ready()
  await waitUntil(() => app.health.isReady(), 'first readiness', 10_000)

  await redis.pause()
  const elapsed = await waitUntil(() => !app.health.isReady(), 'readiness to fail', 10_000)
  t.ok(elapsed < 5000, `not ready ${elapsed} ms after the pause`)
  const res = await app.inject('/readyz/cache')
  t.equal(res.statusCode, 503)
  t.equal(res.body, '[-]cache failed: Health check timed out after 250 ms\n')
  // probes still answer at once from cached state while the server hangs
  const started = Date.now()
  for (let i = 0; i < 20; i++) t.equal((await app.inject('/readyz')).statusCode, 503)
  t.ok(Date.now() - started < 2000, 'probes never wait for the hung check')

  await redis.resume()
  await waitUntil(() => app.health.isReady(), 'readiness to recover', 10_000)
  t.equal((await app.inject('/readyz/cache')).body, '[+]cache ok\n')
})

import t from 'tap'
import Fastify from 'fastify'
import fastifyPostgres from '@fastify/postgres'
import pg from 'pg'
import { startPostgres, waitUntil } from '@highload/testing'
import health, { postgresCheck } from '../src/index.js'

t.test('app.pg from @fastify/postgres: SELECT 1 with pool counts sampled as the run starts', async (t) => {
  const cluster = await startPostgres({ replicas: 0, reuseExternal: false })
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    await cluster.close()
  })
  await app.register(fastifyPostgres, { connectionString: cluster.primary.connectionString, max: 1 })
  app.pg.pool.on('error', () => {}) // idle clients die with the server; the check reports it
  await app.register(health)
  // on-demand with a short ttl, so the test decides when a run starts
  app.health.addCheck(postgresCheck(app.pg, { critical: true, ttlMs: 50, timeoutMs: 5000 }))
  await app.ready()
  await waitUntil(() => app.health.isReady(), 'first readiness', 10_000)
  let entry = app.health.status().checks['postgres:responseTime']?.[0]
  t.match(entry, { componentType: 'datastore', status: 'pass', observedUnit: 'ms', observedValue: Number })
  t.match(entry?.details, { totalCount: Number, idleCount: Number, waitingCount: 0 }, 'counts are reported')

  // the application holds the only connection and queues one more query
  const held = await app.pg.connect()
  const queued = app.pg.query('SELECT 2')
  await new Promise((resolve) => setTimeout(resolve, 60))
  const before = app.health.status().checks['postgres:responseTime']?.[0]?.time
  await new Promise((resolve) => setTimeout(resolve, 50)) // the refresh started above is now waiting for a client
  held.release()
  await queued
  await waitUntil(() => app.health.status().checks['postgres:responseTime']?.[0]?.time !== before, 'the refresh to finish', 5000)
  entry = app.health.status().checks['postgres:responseTime']?.[0]
  t.same(entry?.details, { totalCount: 1, idleCount: 0, waitingCount: 1 }, 'pool pressure seen by the run')
  const res = await app.inject('/health')
  t.equal(res.statusCode, 200)
  t.same(res.json().checks['postgres:responseTime'][0].details, { totalCount: 1, idleCount: 0, waitingCount: 1 })
})

t.test('a pg Pool: the check fails when the node is stopped and recovers when it starts again', async (t) => {
  const cluster = await startPostgres({ replicas: 0, reuseExternal: false })
  const pool = new pg.Pool({ connectionString: cluster.primary.connectionString, max: 2, connectionTimeoutMillis: 2000 })
  pool.on('error', () => {})
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    await pool.end()
    await cluster.close()
  })
  await app.register(health, { exposeDetails: 'always' })
  app.health.addCheck(postgresCheck(pool, { critical: true, intervalMs: 100, timeoutMs: 1000, failureThreshold: 2 }))
  await app.ready()
  await waitUntil(() => app.health.isReady(), 'first readiness', 10_000)

  await cluster.stop(cluster.primary)
  const elapsed = await waitUntil(() => !app.health.isReady(), 'readiness to fail', 10_000)
  t.ok(elapsed < 8000, `not ready ${elapsed} ms after the stop`)
  const res = await app.inject('/readyz/postgres')
  t.equal(res.statusCode, 503)
  t.match(res.body, /^\[-\]postgres failed: .+\n$/)
  t.notMatch(res.body, String(cluster.primary.port), 'no port')
  t.notMatch(res.body, '127.0.0.1', 'no host')
  const doc = app.health.status({ details: true })
  t.equal(doc.status, 'fail')
  t.equal(doc.checks['postgres:responseTime']?.[0]?.status, 'fail')
  t.equal((await app.inject('/livez')).statusCode, 200)

  await cluster.start(cluster.primary)
  await waitUntil(() => app.health.isReady(), 'readiness to recover', 20_000)
  t.equal((await app.inject('/readyz/postgres')).body, '[+]postgres ok\n')
})

t.test('a hung PostgreSQL times the check out and queues no extra queries', async (t) => {
  const cluster = await startPostgres({ replicas: 0, reuseExternal: false })
  const pool = new pg.Pool({ connectionString: cluster.primary.connectionString, max: 1 })
  pool.on('error', () => {})
  const app = Fastify()
  t.teardown(async () => {
    await app.close()
    await cluster.resume(cluster.primary).catch(() => {})
    await pool.end()
    await cluster.close()
  })
  await app.register(health, { exposeDetails: 'always' })
  app.health.addCheck(postgresCheck(pool, { critical: true, intervalMs: 50, timeoutMs: 200, failureThreshold: 1 }))
  await app.ready()
  await waitUntil(() => app.health.isReady(), 'first readiness', 10_000)
  await cluster.pause(cluster.primary)
  await waitUntil(() => !app.health.isReady(), 'readiness to fail', 10_000)
  t.equal((await app.inject('/readyz/postgres')).body, '[-]postgres failed: Health check timed out after 200 ms\n')
  await new Promise((resolve) => setTimeout(resolve, 500)) // several more runs while the server hangs
  t.equal(pool.waitingCount, 0, 'later runs share the hung query instead of queueing more')
  await cluster.resume(cluster.primary)
  await waitUntil(() => app.health.isReady(), 'readiness to recover', 10_000)
})

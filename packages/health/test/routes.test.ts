import t from 'tap'
import Fastify from 'fastify'
import type { RouteOptions } from 'fastify'
import health from '../src/index.js'
import { fakeClock, logCollector } from '@highload/testing'
import { build } from './helpers.js'

const failing = (message: string) => () => { throw new Error(message) }

t.test('?verbose lists every gate and check; ?verbose=false and =0 do not', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t)
  app.health.addCheck({ name: 'db', critical: true, check: () => {} })
  await app.ready()
  await time.tickAsync(0)
  const res = await app.inject('/readyz?verbose')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '[+]process ok\n[+]startup ok\n[+]serving ok\n[+]db ok\nreadyz check passed\n')
  t.equal((await app.inject('/readyz?verbose=1')).body, res.body)
  t.equal((await app.inject('/readyz?verbose=false')).body, 'ok')
  t.equal((await app.inject('/readyz?verbose=0')).body, 'ok')
  t.equal((await app.inject('/readyz?verbose=0&verbose=1')).body, res.body, 'the last value wins')
  t.equal((await app.inject('/livez?verbose')).body, '[+]process ok\nlivez check passed\n')
})

t.test('?exclude leaves checks out (repeatable or comma separated), never gates', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t)
  app.health.addCheck({ name: 'db', critical: true, check: failing('down') })
  app.health.addCheck({ name: 'redis', critical: true, check: failing('down') })
  await app.ready()
  await time.tickAsync(0)
  t.equal((await app.inject('/readyz')).statusCode, 503)
  t.equal((await app.inject('/readyz?exclude=db')).statusCode, 503)
  let res = await app.inject('/readyz?exclude=db&exclude=redis')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'ok')
  res = await app.inject('/readyz?exclude=db,redis&verbose')
  t.equal(res.body, '[+]process ok\n[+]startup ok\n[+]serving ok\n[+]db excluded: ok\n[+]redis excluded: ok\nreadyz check passed\n')
  app.health.setReady(false, 'maintenance')
  res = await app.inject('/readyz?exclude=db,redis,serving,nope,')
  t.equal(res.statusCode, 503, 'gates cannot be excluded')
  t.equal(res.headers['retry-after'], '5')
  t.equal(res.body, '[+]process ok\n[+]startup ok\n[-]serving failed: reason withheld\n[+]db excluded: ok\n[+]redis excluded: ok\n' +
    'warn: some health checks cannot be excluded: no matches for "serving", "nope"\nreadyz check failed\n')
})

t.test('per-check routes report one gate or check', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t, { exposeDetails: 'always' })
  app.health.addCheck({ name: 'db', critical: true, check: () => {} })
  app.health.addCheck({ name: 'cache', check: failing('ECONNREFUSED 10.1.2.3:6379') })
  app.health.addCheck({ name: 'heart', groups: ['liveness'], check: () => {} })
  await app.ready()
  await time.tickAsync(0)
  let res = await app.inject('/readyz/db')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '[+]db ok\n')
  t.equal(res.headers['content-type'], 'text/plain; charset=utf-8')
  t.equal(res.headers['cache-control'], 'no-store')
  res = await app.inject('/readyz/cache')
  t.equal(res.statusCode, 503)
  t.equal(res.body, '[+]cache warn: ECONNREFUSED [redacted]\n')
  t.equal((await app.inject('/readyz/serving')).body, '[+]serving ok\n')
  t.equal((await app.inject('/livez/heart')).body, '[+]heart ok\n')
  t.equal((await app.inject('/livez/process')).body, '[+]process ok\n')
  res = await app.inject('/livez/db')
  t.equal(res.statusCode, 404, 'db is not a liveness check')
  t.equal(res.body, 'no check named "db" in livez\n')
  t.equal((await app.inject('/readyz/heart')).statusCode, 404)
  app.health.setReady(false, 'draining for user=admin')
  res = await app.inject('/readyz/serving')
  t.equal(res.statusCode, 503)
  t.equal(res.body, '[-]serving failed: draining for user=[redacted]\n')
})

t.test('exposeDetails: never withholds, always shows redacted reasons, a function decides per request', async (t) => {
  const secret = 'connect ECONNREFUSED 10.0.0.5:5432 for user "admin" password=hunter2 via postgres://admin:hunter2@db.internal:5432/app'
  const cases = [
    { name: 'never', expose: 'never' as const, headers: {}, shows: false },
    { name: 'always', expose: 'always' as const, headers: {}, shows: true },
    { name: 'function, allowed', expose: (req: { headers: Record<string, unknown> }) => req.headers['x-ops'] === 'yes', headers: { 'x-ops': 'yes' }, shows: true },
    { name: 'function, refused', expose: (req: { headers: Record<string, unknown> }) => req.headers['x-ops'] === 'yes', headers: {}, shows: false },
    { name: 'async function', expose: async () => true, headers: {}, shows: true },
    { name: 'truthy but not true', expose: () => 'yes' as unknown as boolean, headers: {}, shows: false },
    { name: 'throwing function', expose: () => { throw new Error('auth backend down') }, headers: {}, shows: false }
  ]
  for (const c of cases) {
    await t.test(c.name, async (t) => {
      const time = fakeClock(t)
      const { app, logs } = await build(t, { exposeDetails: c.expose })
      const error = new Error(secret, { cause: new Error('inner cause') })
      app.health.addCheck({ name: 'db', critical: true, check: () => { throw error } })
      await app.ready()
      await time.tickAsync(0)
      const bodies = [
        (await app.inject({ url: '/readyz', headers: c.headers })).body,
        (await app.inject({ url: '/readyz/db', headers: c.headers })).body,
        (await app.inject({ url: '/health', headers: c.headers })).body
      ]
      for (const body of bodies) {
        for (const leak of ['10.0.0.5', 'admin', 'hunter2', 'db.internal', 'inner cause', 'at ', '5432']) {
          t.notMatch(body, leak, `no ${leak}`)
        }
      }
      const reason = 'connect ECONNREFUSED [redacted] for user "[redacted]" password=[redacted] via [redacted]'
      if (c.shows) {
        t.match(bodies[0], `[-]db failed: ${reason}\n`)
        t.equal(bodies[1], `[-]db failed: ${reason}\n`)
        const doc = JSON.parse(bodies[2] as string)
        t.equal(doc.checks['db:responseTime'][0].output, reason)
        t.same(doc.notes, [`db: ${reason}`])
      } else {
        t.match(bodies[0], '[-]db failed: reason withheld\n')
        t.equal(bodies[1], '[-]db failed: reason withheld\n')
        const doc = JSON.parse(bodies[2] as string)
        t.equal(doc.checks['db:responseTime'][0].output, undefined)
        t.equal(doc.notes, undefined)
      }
      if (c.name === 'throwing function') {
        t.ok(logs.some((l) => l.msg === 'exposeDetails threw; details withheld'))
      }
    })
  }
})

t.test('/health follows the IETF health+json draft', async (t) => {
  const time = fakeClock(t)
  time.setSystemTime(Date.UTC(2026, 10, 22, 12, 0, 0))
  const { app } = await build(t, { version: '1.4.2', releaseId: 'abc123', serviceId: 'orders', description: 'Order API', exposeDetails: 'always' })
  app.health.addCheck({ name: 'db', critical: true, componentType: 'datastore', check: () => ({ details: { totalCount: 3 } }) })
  app.health.addCheck({ name: 'pending', timeoutMs: 10_000, check: async () => await new Promise(() => {}) })
  await app.ready()
  await time.tickAsync(0)
  let res = await app.inject('/health')
  t.equal(res.statusCode, 200)
  t.same(res.json(), {
    status: 'warn',
    version: '1.4.2',
    releaseId: 'abc123',
    serviceId: 'orders',
    description: 'Order API',
    checks: {
      'db:responseTime': [{ componentType: 'datastore', status: 'pass', observedValue: 0, observedUnit: 'ms', details: { totalCount: 3 }, time: '2026-11-22T12:00:00.000Z' }],
      'pending:responseTime': [{ componentType: 'component', status: 'warn', output: 'pending' }]
    }
  })
  t.same(Object.keys(res.json()), ['status', 'version', 'releaseId', 'serviceId', 'description', 'checks'])
  app.health.setReady(false, 'maintenance')
  res = await app.inject('/health')
  t.equal(res.statusCode, 503)
  t.equal(res.json().status, 'fail')
  t.same(res.json().notes, ['serving: maintenance'])
  t.same(Object.keys(res.json()), ['status', 'version', 'releaseId', 'serviceId', 'description', 'notes', 'checks'])
  t.same(app.health.status({ details: true }), res.json(), 'status() returns the same document')
  t.equal(app.health.status().notes, undefined, 'status() withholds details unless asked')
})

t.test('a pending critical check is listed in /health notes as pending', async (t) => {
  const { app } = await build(t, { exposeDetails: 'always' })
  app.health.addCheck({ name: 'db', critical: true, timeoutMs: 10_000, check: async () => await new Promise(() => {}) })
  await app.ready()
  t.same(app.health.status({ details: true }).notes, ['db: pending'])
})

t.test('probe routes are quiet, opted out of rate limiting and metrics', async (t) => {
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  t.teardown(() => app.close())
  const routes: RouteOptions[] = []
  app.addHook('onRoute', (route) => { routes.push(route) })
  await app.register(health)
  app.get('/work', async () => 'done')
  await app.ready()
  const health5 = routes.filter((r) => r.url !== '/work')
  t.same(health5.map((r) => `${String(r.method)} ${r.url}`).sort(), [
    'GET /health', 'GET /livez/:check', 'GET /readyz/:check', 'GET,HEAD /livez', 'GET,HEAD /readyz',
    // Fastify adds HEAD twins for the GET-only routes
    'HEAD /health', 'HEAD /livez/:check', 'HEAD /readyz/:check'
  ].sort())
  for (const route of health5) {
    t.same(route.config, { rateLimit: false, metrics: false }, `${route.url} config`)
    t.equal(route.logLevel, 'silent')
  }
  await app.inject('/livez')
  await app.inject('/readyz')
  await app.inject('/health')
  await app.inject('/work')
  const urls = logs.lines.filter((l) => l.msg === 'incoming request').map((l) => (l.req as { url: string }).url)
  t.same(urls, ['/work'], 'only the application route is logged')
})

t.test('logLevel option makes probe requests visible', async (t) => {
  const { app, logs } = await build(t, { logLevel: 'info' })
  await app.inject('/livez')
  t.ok(logs.some((l) => l.msg === 'incoming request'))
})

t.test('prefix and paths move or remove routes', async (t) => {
  const { app } = await build(t, { prefix: '/ops/', paths: { liveness: '/healthz/', readiness: false, health: '/status' } })
  t.equal((await app.inject('/ops/healthz')).statusCode, 200)
  t.equal((await app.inject('/ops/healthz/process')).statusCode, 200)
  t.equal((await app.inject('/ops/status')).statusCode, 200)
  t.equal((await app.inject('/ops/readyz')).statusCode, 404)
  t.equal((await app.inject('/livez')).statusCode, 404)
})

t.test('every route can be left out', async (t) => {
  const { app } = await build(t, { paths: { liveness: false, readiness: false, health: false } })
  await app.ready()
  t.equal(app.printRoutes().trim(), '(empty tree)')
  t.equal(app.health.isReady(), true, 'the decorator still works')
})

t.test('HEAD /readyz carries the status and Retry-After without a body', async (t) => {
  const { app } = await build(t, { retryAfterSeconds: 30 })
  await app.ready()
  app.health.setReady(false)
  const res = await app.inject({ method: 'HEAD', url: '/readyz' })
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '30')
  t.equal(res.body, '')
})

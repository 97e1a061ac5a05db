import t from 'tap'
import fp from 'fastify-plugin'
import { deferred, fakeClock } from '@highload/testing'
import { build, switchable } from './helpers.js'

t.test('a stale pass counts as failed for critical checks (dead timer or blocked loop)', async (t) => {
  const time = fakeClock(t)
  const { app, logs } = await build(t, { exposeDetails: 'always' })
  const db = switchable()
  app.health.addCheck({ name: 'db', critical: true, intervalMs: 1000, check: db.check })
  app.health.addCheck({ name: 'cache', intervalMs: 1000, check: () => {} })
  await app.ready()
  await time.tickAsync(0)
  t.equal((await app.inject('/readyz')).statusCode, 200)
  // move the wall clock without firing any timer: exactly what a blocked loop or a dead timer looks like
  time.setSystemTime(Date.now() + 3501)
  const res = await app.inject('/readyz?verbose')
  t.equal(res.statusCode, 503)
  t.match(res.body, '[-]db failed: Health check result is stale (older than 3500 ms)\n')
  t.match(res.body, '[+]cache warn: Health check result is stale (older than 3500 ms)\n')
  t.ok(logs.some((l) => l.msg === 'health check failed' && l.check === 'db' && /stale/.test(String(l.reason))))
  await time.tickAsync(1000)
  t.equal((await app.inject('/readyz')).statusCode, 200, 'the next result clears staleness')
  t.equal(db.runs, 2)
})

t.test('staleness is noticed by status() and isReady() too', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t)
  app.health.addCheck({ name: 'db', critical: true, intervalMs: 1000, staleAfterMs: 2000, check: () => {} })
  await app.ready()
  await time.tickAsync(0)
  t.equal(app.health.isReady(), true)
  time.setSystemTime(Date.now() + 2001)
  t.equal(app.health.isReady(), false)
  t.equal(app.health.status().status, 'fail')
  t.equal(app.health.status().checks['db:responseTime']?.[0]?.status, 'fail')
})

t.test('a hanging check is aborted through its signal and fails after timeoutMs', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t, { exposeDetails: 'always' })
  const signals: AbortSignal[] = []
  app.health.addCheck({
    name: 'polite',
    critical: true,
    timeoutMs: 300,
    check: async ({ signal }) => {
      signals.push(signal)
      await new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason)))
    }
  })
  // ignores its signal entirely: must still be failed on time, not hang
  app.health.addCheck({ name: 'rude', critical: true, timeoutMs: 300, check: async () => await new Promise(() => {}) })
  await app.ready()
  await time.tickAsync(299)
  t.equal(signals[0]?.aborted, false)
  let res = await app.inject('/readyz?verbose')
  t.match(res.body, '[-]polite pending\n')
  await time.tickAsync(1)
  t.equal(signals[0]?.aborted, true)
  t.equal((signals[0]?.reason as { code: string }).code, 'HL_HEALTH_CHECK_TIMEOUT')
  res = await app.inject('/readyz?verbose')
  t.equal(res.statusCode, 503)
  t.match(res.body, '[-]polite failed: Health check timed out after 300 ms\n')
  t.match(res.body, '[-]rude failed: Health check timed out after 300 ms\n')
})

t.test('background checks run every intervalMs with jitter', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t, { defaults: { jitter: 0.5, intervalMs: 1000 } })
  const db = switchable()
  t.teardown(() => { Math.random = random })
  const random = Math.random
  Math.random = () => 1 // the largest spread: 1000 × 1.5
  app.health.addCheck({ name: 'db', check: db.check })
  await app.ready()
  await time.tickAsync(0)
  t.equal(db.runs, 1, 'first run when Fastify is ready')
  await time.tickAsync(1499)
  t.equal(db.runs, 1)
  await time.tickAsync(1)
  t.equal(db.runs, 2)
  Math.random = () => 0 // the smallest: 1000 × 0.5
  await time.tickAsync(1500)
  t.equal(db.runs, 3)
  await time.tickAsync(500)
  t.equal(db.runs, 4)
})

t.test('on-demand checks: ttl cache, single flight, probes answer from cache', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t)
  const db = switchable()
  app.health.addCheck({ name: 'db', critical: true, ttlMs: 1000, failureThreshold: 1, check: db.check })
  await app.ready()
  await time.tickAsync(0)
  t.equal(db.runs, 1, 'runs once at start')
  await app.inject('/readyz')
  await time.tickAsync(999)
  await app.inject('/readyz')
  t.equal(db.runs, 1, 'a fresh result is served without running')
  await time.tickAsync(10_000)
  t.equal(db.runs, 1, 'nothing runs in the background')
  db.healthy = false
  const answers = await Promise.all([app.inject('/readyz'), app.inject('/readyz'), app.inject('/health')])
  t.same(answers.map((r) => r.statusCode), [200, 200, 200], 'answered from the cached pass')
  await time.tickAsync(0)
  t.equal(db.runs, 2, 'concurrent reads share one refresh')
  t.equal((await app.inject('/readyz')).statusCode, 503)
})

t.test('on-demand checks turn stale when a refresh stays outstanding', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t)
  let hang = false
  app.health.addCheck({
    name: 'db',
    critical: true,
    ttlMs: 1000,
    timeoutMs: 500,
    check: async () => { if (hang) await new Promise(() => {}) }
  })
  await app.ready()
  await time.tickAsync(0)
  hang = true
  await time.tickAsync(5000)
  t.equal((await app.inject('/readyz')).statusCode, 200, 'an old pass is served while it refreshes')
  time.setSystemTime(Date.now() + 3501) // default staleAfterMs: 3 × 1000 + 500
  t.equal((await app.inject('/readyz')).statusCode, 503)
})

t.test('a critical check added after the service is ready does not pull it before its first result', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t)
  await app.ready()
  t.equal(app.health.isReady(), true)
  const gate = deferred()
  app.health.addCheck({ name: 'late', critical: true, timeoutMs: 10_000, check: async () => await gate.promise })
  const res = await app.inject('/readyz?verbose')
  t.equal(res.statusCode, 200)
  t.match(res.body, '[+]late pending\n')
  t.equal((await app.inject('/readyz/late')).statusCode, 503, 'the per-check route tells it has no result yet')
  gate.reject(new Error('breaker open'))
  await time.tickAsync(0)
  t.equal((await app.inject('/readyz')).statusCode, 503, 'its first failure fails readiness at once')
})

t.test('addCheck works from another plugin\'s onReady hook, whatever the registration order', async (t) => {
  for (const order of ['before', 'after']) {
    await t.test(order, async (t) => {
      const time = fakeClock(t)
      const Fastify = (await import('fastify')).default
      const health = (await import('../src/index.js')).default
      const app = Fastify()
      t.teardown(() => app.close())
      const breaker = fp(async (instance) => {
        instance.addHook('onReady', async () => {
          instance.health.addCheck({ name: 'breaker', critical: true, check: () => { throw new Error('open') } })
        })
      })
      if (order === 'before') await app.register(breaker)
      await app.register(health)
      if (order === 'after') await app.register(breaker)
      await app.ready()
      await time.tickAsync(0)
      const res = await app.inject('/readyz?verbose')
      t.equal(res.statusCode, 503, 'the failing critical check takes effect')
      t.match(res.body, '[-]breaker failed: reason withheld\n')
    })
  }
})

t.test('duplicate names are rejected', async (t) => {
  const { app } = await build(t)
  app.health.addCheck({ name: 'db', check: () => {} })
  t.throws(() => app.health.addCheck({ name: 'db', check: () => {} }), {
    code: 'HL_HEALTH_DUPLICATE_CHECK',
    message: 'A health check named "db" is already registered'
  })
})

t.test('liveness checks fail /livez and, through it, /readyz', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t)
  const loop = switchable(false)
  app.health.addCheck({ name: 'deadlock', groups: ['liveness'], critical: true, check: loop.check })
  app.health.addCheck({ name: 'soft', groups: ['liveness'], check: () => { throw new Error('meh') } })
  await app.ready()
  await time.tickAsync(0)
  const live = await app.inject('/livez')
  t.equal(live.statusCode, 503)
  t.equal(live.headers['retry-after'], undefined)
  t.equal(live.body, '[+]process ok\n[-]deadlock failed: reason withheld\n[+]soft warn: reason withheld\nlivez check failed\n')
  const ready = await app.inject('/readyz?verbose')
  t.equal(ready.statusCode, 503)
  t.match(ready.body, '[-]process failed: reason withheld\n')
  t.notMatch(ready.body, 'deadlock', 'liveness-only checks are not listed by readiness')
  loop.healthy = true
  await time.tickAsync(5000)
  t.equal((await app.inject('/livez')).statusCode, 200)
  t.equal((await app.inject('/readyz')).statusCode, 200)
})

t.test('a liveness check with no result yet does not fail liveness', async (t) => {
  const { app } = await build(t)
  app.health.addCheck({ name: 'slow', groups: ['liveness'], critical: true, timeoutMs: 10_000, check: async () => await new Promise(() => {}) })
  await app.ready()
  const res = await app.inject('/livez?verbose')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '[+]process ok\n[+]slow pending\nlivez check passed\n')
})

t.test('startup checks gate /livez and /readyz until they first pass, then stop counting', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t)
  const warm = switchable(false)
  app.health.addCheck({ name: 'warmup', groups: ['startup'], check: warm.check })
  await app.ready()
  await time.tickAsync(0)
  let res = await app.inject('/livez?verbose')
  t.equal(res.statusCode, 503)
  t.match(res.body, '[-]warmup failed: reason withheld\n')
  t.equal((await app.inject('/readyz')).statusCode, 503)
  t.equal((await app.inject('/livez/warmup')).statusCode, 503)
  warm.healthy = true
  await time.tickAsync(5000)
  t.equal((await app.inject('/livez')).statusCode, 200)
  t.equal((await app.inject('/readyz')).statusCode, 200)
  warm.healthy = false
  await time.tickAsync(5000)
  await time.tickAsync(5000)
  res = await app.inject('/livez?verbose')
  t.equal(res.statusCode, 200)
  t.equal(res.body, '[+]process ok\nlivez check passed\n', 'no longer listed')
  t.equal((await app.inject('/readyz')).statusCode, 200)
  t.equal((await app.inject('/livez/warmup')).statusCode, 404)
  t.equal(app.health.status().status, 'warn', 'still reported in /health')
})

t.test('a startup check added after first readiness gates nothing', async (t) => {
  const { app } = await build(t)
  await app.ready()
  app.health.addCheck({ name: 'late', groups: ['startup'], timeoutMs: 10_000, check: async () => await new Promise(() => {}) })
  t.equal((await app.inject('/livez')).statusCode, 200)
  t.equal((await app.inject('/readyz')).statusCode, 200)
})

t.test('checks throwing odd values, synchronously or returning odd results', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t, { exposeDetails: 'always' })
  app.health.addCheck({ name: 'text', critical: true, check: () => { throw 'plain string' } }) // eslint-disable-line no-throw-literal
  app.health.addCheck({ name: 'odd', critical: true, check: () => 42 as unknown as undefined })
  app.health.addCheck({
    name: 'pool',
    measurement: 'connections',
    componentType: 'datastore',
    check: () => ({ observedValue: 7, observedUnit: 'connections', details: { waiting: 0 } })
  })
  app.health.addCheck({ name: 'flag', measurement: 'enabled', check: () => ({ details: 'ignored' as unknown as Record<string, unknown> }) })
  await app.ready()
  await time.tickAsync(0)
  const res = await app.inject('/readyz/text')
  t.equal(res.body, '[-]text failed: Health check failed: plain string\n')
  const doc = app.health.status()
  t.same(doc.checks['odd:responseTime'], [{ componentType: 'component', status: 'pass', observedValue: 0, observedUnit: 'ms', time: new Date(Date.now()).toISOString() }])
  t.same(doc.checks['pool:connections'], [{ componentType: 'datastore', status: 'pass', observedValue: 7, observedUnit: 'connections', details: { waiting: 0 }, time: new Date(Date.now()).toISOString() }])
  t.same(doc.checks['flag:enabled'], [{ componentType: 'component', status: 'pass', observedValue: null, time: new Date(Date.now()).toISOString() }])
})

t.test('responseTime is measured when the check reports no value', async (t) => {
  const time = fakeClock(t)
  const { app } = await build(t)
  app.health.addCheck({ name: 'slow', check: async () => await new Promise((resolve) => setTimeout(resolve, 120)) })
  await app.ready()
  await time.tickAsync(120)
  const entry = app.health.status().checks['slow:responseTime']?.[0]
  t.equal(entry?.observedValue, 120)
  t.equal(entry?.observedUnit, 'ms')
})

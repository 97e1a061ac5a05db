import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import t from 'tap'
import { TRANSITION_CHANNEL } from '../src/index.js'
import type { HealthTransitionMessage } from '../src/index.js'
import { deferred, fakeClock } from '@highload/testing'
import { build, switchable } from './helpers.js'

t.test('startup tasks: promises and functions gate readiness; functions run once Fastify is ready', async (t) => {
  const { app } = await build(t)
  const warm = deferred()
  const calls: string[] = []
  const fnTask = deferred()
  app.health.addStartupTask(warm.promise)
  app.health.addStartupTask(async () => {
    calls.push('fn')
    await fnTask.promise
  })
  t.same(calls, [], 'a function task waits for Fastify to be ready')
  await app.ready()
  t.same(calls, ['fn'])
  let res = await app.inject('/readyz?verbose')
  t.equal(res.statusCode, 503)
  t.match(res.body, '[-]startup failed: reason withheld\n')
  t.equal((await app.inject('/livez')).statusCode, 200, 'liveness does not wait for startup tasks')
  warm.resolve()
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(app.health.isReady(), false, 'one task still runs')
  fnTask.resolve()
  await new Promise((resolve) => setImmediate(resolve))
  res = await app.inject('/readyz')
  t.equal(res.statusCode, 200)
  // a task added later is called at once and takes readiness away until it settles
  const later = deferred()
  app.health.addStartupTask(() => later.promise)
  t.equal(app.health.isReady(), false)
  later.resolve()
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(app.health.isReady(), true)
})

t.test('a rejected startup task marks the process broken', async (t) => {
  const { app, logs } = await build(t, { exposeDetails: 'always' })
  app.health.addStartupTask(() => { throw new Error('migrations failed on db.internal') })
  await app.ready()
  await new Promise((resolve) => setImmediate(resolve))
  const res = await app.inject('/livez?verbose')
  t.equal(res.statusCode, 503)
  t.match(res.body, '[-]process failed: Startup task failed: migrations failed on [redacted]\n')
  t.equal((await app.inject('/readyz')).statusCode, 503)
  const line = logs.find((l) => l.msg === 'service is not live')
  t.equal(line?.reason, 'process: Startup task failed: migrations failed on [redacted]')
  t.equal(line?.level, 50)
})

t.test('addStartupTask rejects what is neither a promise nor a function', async (t) => {
  const { app } = await build(t)
  t.throws(() => app.health.addStartupTask(42 as unknown as () => void), {
    code: 'HL_HEALTH_INVALID_OPTION',
    message: 'Invalid @highload/health option addStartupTask(task): got 42, expected a promise or a function'
  })
})

t.test('markBroken fails liveness and readiness for good; the first reason is kept', async (t) => {
  const { app } = await build(t, { exposeDetails: 'always' })
  await app.ready()
  app.health.markBroken('heap corrupted')
  app.health.markBroken('second reason')
  let res = await app.inject('/livez')
  t.equal(res.statusCode, 503)
  t.equal(res.body, '[-]process failed: heap corrupted\nlivez check failed\n')
  res = await app.inject('/readyz')
  t.equal(res.statusCode, 503)
  t.match(res.body, '[-]process failed: heap corrupted\n')
  app.health.setReady(true)
  t.equal(app.health.isLive(), false)
  t.equal(app.health.isReady(), false)
})

t.test('markBroken without a reason', async (t) => {
  const { app } = await build(t, { exposeDetails: 'always' })
  await app.ready()
  app.health.markBroken()
  t.equal((await app.inject('/livez/process')).body, '[-]process failed: marked broken\n')
})

t.test('setReady(false) takes the service out of rotation with Retry-After; liveness stays 200', async (t) => {
  const { app } = await build(t, { exposeDetails: 'always' })
  await app.ready()
  app.health.setReady(false, 'shutting down')
  let res = await app.inject('/readyz')
  t.equal(res.statusCode, 503)
  t.equal(res.headers['retry-after'], '5')
  t.match(res.body, '[-]serving failed: shutting down\n')
  t.equal((await app.inject('/livez')).statusCode, 200)
  app.health.setReady(true)
  res = await app.inject('/readyz')
  t.equal(res.statusCode, 200)
  app.health.setReady(false)
  t.equal((await app.inject('/readyz/serving')).body, '[-]serving failed: not ready\n')
  t.throws(() => app.health.setReady('no' as unknown as boolean), {
    code: 'HL_HEALTH_INVALID_OPTION',
    message: "Invalid @highload/health option setReady(ready): got 'no', expected a boolean"
  })
  t.throws(() => app.health.setReady(false, 42 as unknown as string), {
    code: 'HL_HEALTH_INVALID_OPTION',
    message: 'Invalid @highload/health option setReady(reason): got 42, expected a string'
  })
})

t.test('readiness fails as soon as app.close() starts, and setReady(true) cannot undo it', async (t) => {
  const { app } = await build(t)
  const seen: Array<{ ready: boolean, live: boolean, afterSetReady: boolean }> = []
  app.addHook('preClose', async () => {
    const ready = app.health.isReady()
    app.health.setReady(true)
    seen.push({ ready, live: app.health.isLive(), afterSetReady: app.health.isReady() })
  })
  await app.ready()
  t.equal(app.health.isReady(), true)
  await app.close()
  t.same(seen, [{ ready: false, live: true, afterSetReady: false }])
})

t.test('close stops every check, aborts runs in flight and disposes', async (t) => {
  const time = fakeClock(t)
  const { app, logs } = await build(t)
  const db = switchable()
  const signals: AbortSignal[] = []
  const disposed: string[] = []
  app.health.addCheck({ name: 'db', intervalMs: 1000, check: db.check, dispose: () => { disposed.push('db') } })
  app.health.addCheck({
    name: 'slow',
    timeoutMs: 10_000,
    check: async ({ signal }) => { signals.push(signal); await new Promise(() => {}) },
    dispose: async () => { throw new Error('cannot release') }
  })
  await app.ready()
  await time.tickAsync(0)
  t.equal(db.runs, 1)
  await app.close()
  t.equal(signals[0]?.aborted, true)
  t.same(disposed, ['db'])
  t.ok(logs.some((l) => l.msg === 'health check dispose failed' && l.check === 'slow' && l.reason === 'cannot release'))
  t.equal(time.countTimers(), 0, 'no timer left behind')
  await time.tickAsync(10_000)
  t.equal(db.runs, 1)
  app.health.addCheck({ name: 'after', check: db.check })
  t.equal(db.runs, 1, 'a check added after close is registered but never runs')
})

t.test('transitions are published on highload:health:transition and logged, redacted', async (t) => {
  const time = fakeClock(t, { now: 0 })
  const messages: HealthTransitionMessage[] = []
  const listener = (message: unknown): void => { messages.push(message as HealthTransitionMessage) }
  subscribe(TRANSITION_CHANNEL, listener)
  t.teardown(() => unsubscribe(TRANSITION_CHANNEL, listener))
  const { app, logs } = await build(t)
  let healthy = true
  const check = (): void => {
    if (!healthy) throw new Error('connect ECONNREFUSED 10.9.8.7:5432')
  }
  app.health.addCheck({ name: 'db', critical: true, failureThreshold: 1, intervalMs: 1000, check })
  await app.ready()
  await time.tickAsync(0)
  healthy = false
  await time.tickAsync(1000)
  healthy = true
  await time.tickAsync(1000)
  t.same(messages, [
    { scope: 'check', name: 'db', from: 'unknown', to: 'pass', critical: true, groups: ['readiness'], reason: null, at: 0 },
    { scope: 'readiness', name: 'readiness', from: 'fail', to: 'pass', reason: null, at: 0 },
    { scope: 'check', name: 'db', from: 'pass', to: 'fail', critical: true, groups: ['readiness'], reason: 'connect ECONNREFUSED [redacted]', at: 1000 },
    { scope: 'readiness', name: 'readiness', from: 'pass', to: 'fail', reason: 'db: connect ECONNREFUSED [redacted]', at: 1000 },
    { scope: 'check', name: 'db', from: 'fail', to: 'pass', critical: true, groups: ['readiness'], reason: null, at: 2000 },
    { scope: 'readiness', name: 'readiness', from: 'fail', to: 'pass', reason: null, at: 2000 }
  ])
  const health = logs.filter((l) => typeof l.msg === 'string' && /health check|service is/.test(l.msg))
  t.same(health.map((l) => [l.level, l.msg, l.check, l.reason]), [
    [20, 'health check passed', 'db', undefined],
    [30, 'service is ready', undefined, undefined],
    [40, 'health check failed', 'db', 'connect ECONNREFUSED [redacted]'],
    [40, 'service is not ready', undefined, 'db: connect ECONNREFUSED [redacted]'],
    [30, 'health check recovered', 'db', undefined],
    [30, 'service is ready', undefined, undefined]
  ])
  t.notMatch(JSON.stringify(logs), '10.9.8.7', 'no address in any log line')
  t.notMatch(JSON.stringify(logs), '"stack"', 'no stack in any log line')
})

t.test('a liveness transition back to pass is published', async (t) => {
  const time = fakeClock(t)
  const messages: HealthTransitionMessage[] = []
  const listener = (message: unknown): void => { messages.push(message as HealthTransitionMessage) }
  subscribe(TRANSITION_CHANNEL, listener)
  t.teardown(() => unsubscribe(TRANSITION_CHANNEL, listener))
  const { app } = await build(t)
  const loop = switchable(false)
  app.health.addCheck({ name: 'loop', groups: ['liveness'], critical: true, intervalMs: 1000, check: loop.check })
  await app.ready()
  await time.tickAsync(0)
  loop.healthy = true
  await time.tickAsync(1000)
  const probes = messages.filter((m) => m.scope === 'liveness')
  t.same(probes.map((m) => [m.from, m.to, m.reason]), [['pass', 'fail', 'loop: down'], ['fail', 'pass', null]])
})

t.test('PM2: process.send("ready") once, when first ready while listening', async (t) => {
  const original = process.send
  t.teardown(() => { process.send = original })
  const sent: unknown[] = []
  process.send = ((message: unknown, _handle: unknown, _options: unknown, callback: (error: Error | null) => void) => {
    sent.push(message)
    callback(sent.length > 1 ? new Error('channel closed') : null)
    return true
  }) as typeof process.send

  await t.test('sent after listen once ready, never twice', async (t) => {
    sent.length = 0
    const { app } = await build(t)
    const warm = deferred()
    app.health.addStartupTask(warm.promise)
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.same(sent, [], 'not ready yet')
    warm.resolve()
    await new Promise((resolve) => setImmediate(resolve))
    t.same(sent, ['ready'])
    app.health.setReady(false)
    app.health.setReady(true)
    t.same(sent, ['ready'], 'only the first readiness')
  })

  await t.test('sent at listen time when already ready; a send error is only logged', async (t) => {
    sent.length = 1
    const { app, logs } = await build(t)
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.same(sent, [sent[0], 'ready'])
    t.ok(logs.some((l) => l.msg === 'could not send the ready message' && l.reason === 'channel closed'))
  })

  await t.test('not sent without listening, or when disabled', async (t) => {
    sent.length = 0
    const a = await build(t)
    await a.app.ready()
    const b = await build(t, { sendReadyMessage: false })
    await b.app.listen({ port: 0, host: '127.0.0.1' })
    t.same(sent, [])
  })

  await t.test('not sent without an IPC channel', async (t) => {
    sent.length = 0
    process.send = undefined
    const { app } = await build(t)
    await app.listen({ port: 0, host: '127.0.0.1' })
    t.equal(app.health.isReady(), true)
  })
})

import t from 'tap'
import Fastify from 'fastify'
import { deferred, fakeClock } from '@highload/testing'
import breaker, { BreakerUnknownDependencyError, fastifyHighloadBreaker, Policy } from '../src/index.js'
import { ok, settle } from './helpers.js'

t.test('decorates fastify.breaker with named and per-key policies', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  t.equal(breaker, fastifyHighloadBreaker)
  await app.register(breaker, { dependencies: { pay: { timeoutMs: 500 }, cache: { breaker: false, maxKeys: 2 } } })
  await app.ready()
  const pay = app.breaker('pay')
  t.ok(pay instanceof Policy)
  t.equal(pay.name, 'pay')
  t.equal(app.breaker('pay'), pay, 'same policy every time')
  t.same(app.breaker.names, ['pay', 'cache'])
  t.equal(await pay.execute(ok), 'ok')
  const a = app.breaker('cache', 'host-a')
  t.equal(a.key, 'host-a')
  t.equal(a.name, 'cache')
  t.equal(app.breaker('cache', 'host-a'), a)
  app.breaker('cache', 'host-b')
  app.breaker('cache', 'host-c') // evicts host-a (maxKeys 2)
  t.not(app.breaker('cache', 'host-a'), a, 'least recently used key was forgotten')
  t.same(app.breaker.states().map((s) => [s.name, s.key, s.state]), [
    ['pay', null, 'closed'],
    ['cache', null, 'disabled'],
    ['cache', 'host-a', 'disabled'],
    ['cache', 'host-c', 'disabled']
  ])
  t.throws(() => app.breaker('nope'), BreakerUnknownDependencyError)
  t.throws(() => app.breaker('nope'), { code: 'HL_BREAKER_UNKNOWN_DEPENDENCY', message: 'Unknown breaker dependency "nope" (registered: pay, cache)' })
})

t.test('isolate and reset by name and key; transitions are logged', async (t) => {
  const logs: Array<{ msg: string, level: number, dependency?: string, to?: string }> = []
  const app = Fastify({ logger: { level: 'info', stream: { write: (line: string) => { logs.push(JSON.parse(line)) } } } })
  t.teardown(() => app.close())
  const seen: string[] = []
  await app.register(breaker, { dependencies: { pay: { onStateChange: (e) => seen.push(e.to) } } })
  app.breaker.isolate('pay')
  t.equal(app.breaker('pay').state, 'isolated')
  app.breaker.reset('pay')
  t.equal(app.breaker('pay').state, 'closed')
  app.breaker.isolate('pay', 'eu')
  t.equal(app.breaker('pay', 'eu').state, 'isolated')
  t.equal(app.breaker('pay').state, 'closed', 'keys are independent')
  app.breaker.reset('pay', 'eu')
  t.same(seen, ['isolated', 'closed', 'isolated', 'closed'], 'the user callback still runs')
  const transitions = logs.filter((l) => l.dependency === 'pay')
  t.equal(transitions.length, 4)
  t.match(transitions[0], { level: 30, msg: 'circuit breaker state changed', to: 'isolated' })
  await settle(Promise.resolve())
})

t.test('an open breaker answers 503 with Retry-After through the default error handler', async (t) => {
  const clock = fakeClock(t)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, {
    dependencies: {
      pay: { breaker: { minimumCalls: 1, windowSize: 1, openMs: 4000 } },
      narrow: { bulkhead: { maxConcurrent: 1 } },
      slow: { timeoutMs: 100 }
    }
  })
  const gate = deferred<string>()
  app.get('/pay', async () => app.breaker('pay').execute(async () => { throw new Error('upstream down') }))
  app.get('/narrow', async () => app.breaker('narrow').execute(() => gate.promise))
  app.get('/slow', async () => app.breaker('slow').execute(() => new Promise<never>(() => {})))
  await app.ready()
  const first = await app.inject('/pay')
  t.equal(first.statusCode, 500, 'the upstream error itself')
  await clock.tickAsync(1500)
  const open = await app.inject('/pay')
  t.equal(open.statusCode, 503)
  t.equal(open.headers['retry-after'], '3', '2.5 s left, rounded up')
  t.match(open.json(), { code: 'HL_BREAKER_OPEN', statusCode: 503 })
  const held = app.inject('/narrow')
  await clock.tickAsync(0)
  const full = await app.inject('/narrow')
  t.equal(full.statusCode, 503)
  t.equal(full.headers['retry-after'], '1')
  t.match(full.json(), { code: 'HL_BREAKER_BULKHEAD_FULL' })
  gate.resolve('done')
  t.equal((await held).statusCode, 200)
  const slow = app.inject('/slow')
  await clock.tickAsync(100)
  const timedOut = await slow
  t.equal(timedOut.statusCode, 504)
  t.match(timedOut.json(), { code: 'HL_BREAKER_TIMEOUT' })
})

t.test('a route deadline gives calls the remaining time, not a fresh timeout', async (t) => {
  const clock = fakeClock(t)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, { dependencies: { pay: { timeoutMs: 1000, breaker: { minimumCalls: 1, windowSize: 1 } } } })
  let startedAt = 0
  let abortedAt = 0
  app.get('/checkout', { config: { breaker: { deadlineMs: 300 } } }, async (request) => {
    await new Promise((resolve) => setTimeout(resolve, 200)) // time spent before the outbound call
    startedAt = Date.now()
    return request.breaker('pay').execute((signal) => new Promise<never>(() => {
      signal.addEventListener('abort', () => { abortedAt = Date.now() })
    }))
  })
  app.get('/tight', { config: { breaker: { deadlineMs: 300 } } }, async (request) => {
    return request.breaker('pay').execute(ok, { deadline: Date.now() + 50, idempotent: true })
  })
  await app.ready()
  const res = app.inject('/checkout')
  await clock.tickAsync(1000)
  const r = await res
  t.equal(r.statusCode, 504)
  t.match(r.json(), { code: 'HL_BREAKER_DEADLINE_EXCEEDED' })
  t.equal(abortedAt - startedAt, 100, 'the call got the 100 ms left of the route deadline')
  t.equal(app.breaker('pay').state, 'closed', 'our deadline is not a dependency failure')
  t.equal((await app.inject('/tight')).body, 'ok', 'a tighter per-call deadline is allowed')
})

t.test('routeDefaults apply to every route; config.breaker false opts out; no config means no scope', async (t) => {
  const clock = fakeClock(t)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, { dependencies: { pay: {} }, routeDefaults: { deadlineMs: 100, cancelOnDisconnect: false } })
  const hang = (request: { breaker: (name: string) => { execute: (fn: () => Promise<never>) => Promise<unknown> } }): Promise<unknown> =>
    request.breaker('pay').execute(() => new Promise<never>(() => {}))
  app.get('/default', async (request) => hang(request))
  app.get('/out', { config: { breaker: false } }, async (request) => {
    t.equal(request.highloadBreakerScope, null)
    return request.breaker('pay').execute(ok)
  })
  app.get('/off', { config: { breaker: { cancelOnDisconnect: false } } }, async (request) => {
    t.equal(request.highloadBreakerScope, null, 'nothing to do: no scope')
    return 'off'
  })
  await app.ready()
  const res = app.inject('/default')
  await clock.tickAsync(100)
  t.equal((await res).statusCode, 504)
  t.equal((await app.inject('/out')).body, 'ok')
  t.equal((await app.inject('/off')).body, 'off')
})

t.test('onClose clears the timer heap', async (t) => {
  const clock = fakeClock(t)
  const app = Fastify()
  await app.register(breaker, { dependencies: { pay: { timeoutMs: 10_000 } } })
  settle(app.breaker('pay').execute(() => new Promise<never>(() => {}))).catch(() => {})
  t.equal(clock.countTimers(), 1)
  await app.close()
  t.equal(clock.countTimers(), 0)
})

t.test('health checks are skipped when @highload/health is absent or health is false', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, { dependencies: { pay: { critical: true } } })
  await app.ready()
  t.equal(app.hasDecorator('health'), false)
  const off = Fastify()
  t.teardown(() => off.close())
  await off.register(breaker, { dependencies: { pay: {} }, health: false })
  await off.ready()
  t.pass('ready without health')
})

t.test('route hooks of the route itself are kept; one scope serves several calls', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, { dependencies: { pay: {}, ship: {} } })
  const order: string[] = []
  app.get('/one', {
    config: { breaker: { deadlineMs: 1000 } },
    onRequest: (_req, _reply, done) => { order.push('own'); done() },
    onRequestAbort: (_req, done) => { done() }
  }, async (request) => {
    order.push(`scope:${request.highloadBreakerScope !== null}`)
    const a = await request.breaker('pay').execute(async (signal) => signal)
    const b = await request.breaker('ship').execute(async () => 'shipped')
    return { aborted: a.aborted, b }
  })
  app.get('/many', {
    config: { breaker: { deadlineMs: 1000 } },
    onRequest: [(_req, _reply, done) => { order.push('a'); done() }, (_req, _reply, done) => { order.push('b'); done() }]
  }, async (request) => request.breaker('pay').execute(ok))
  t.same((await app.inject('/one')).json(), { aborted: false, b: 'shipped' })
  t.equal((await app.inject('/many')).body, 'ok')
  t.same(order, ['own', 'scope:true', 'a', 'b'])
})

import { expect, test } from 'tstyche'
import Fastify from 'fastify'
import breaker, { createPolicy, fastifyHighloadBreaker, Policy } from '../../src/index.js'
import type { BreakerState, PolicySnapshot, RequestBreaker, StateChangeEvent } from '../../src/index.js'
import { circuitBreaker, timeout, TimerHeap } from '../../src/core/index.js'

test('plugin registration and decorators', () => {
  const app = Fastify()
  app.register(breaker, { dependencies: { pay: { timeoutMs: 500, critical: true, retry: { maxAttempts: 3 } } } })
  app.register(fastifyHighloadBreaker, { dependencies: {}, routeDefaults: { deadlineMs: 1000 } })
  expect(app.register(breaker, { dependencies: { pay: { timeoutMs: '5' } } })).type.toRaiseError()
  expect(app.register(breaker, {})).type.toRaiseError()
  expect(app.breaker('pay')).type.toBe<Policy>()
  expect(app.breaker('pay', 'eu-1')).type.toBe<Policy>()
  expect(app.breaker.states()).type.toBe<PolicySnapshot[]>()
  expect(app.breaker.isolate('pay')).type.toBe<void>()
  expect(app.breaker.reset('pay', 'eu-1')).type.toBe<void>()
  expect(app.breaker('pay').state).type.toBe<BreakerState>()

  app.get('/x', { config: { breaker: { deadlineMs: 200 } } }, async (request) => {
    expect(request.breaker('pay')).type.toBe<RequestBreaker>()
    expect(request.breaker('pay').execute(async (signal) => signal.aborted)).type.toBe<Promise<boolean>>()
    expect(request.breaker('pay').execute(async () => 1, { signal: new AbortController().signal })).type.toRaiseError()
    return 'x'
  })
  app.get('/y', { config: { breaker: false } }, async () => 'y')
  expect(app.get('/z', { config: { breaker: { deadlineMs: 'soon' } } }, async () => 'z')).type.toRaiseError()
})

test('framework-free core', () => {
  const p = createPolicy({ name: 'db', timeoutMs: 100, breaker: { windowType: 'time' }, onStateChange: (e) => { expect(e).type.toBe<StateChangeEvent>() } })
  expect(p.execute(async () => 42)).type.toBe<Promise<number>>()
  expect(p.execute(() => 'sync')).type.toBe<Promise<string>>()
  expect(p.execute(async (signal) => signal, { deadline: Date.now() + 10, idempotent: true })).type.toBe<Promise<AbortSignal>>()
  expect(createPolicy({ breaker: { windowType: 'sliding' } })).type.toRaiseError()
  expect(circuitBreaker({ failureRateThreshold: 25, timers: new TimerHeap() })).type.toBe<Policy>()
  expect(timeout(100)).type.toBe<Policy>()
  expect(p.snapshot().failureRate).type.toBe<number | null>()
})

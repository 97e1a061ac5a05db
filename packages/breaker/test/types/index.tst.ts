import { expect, test } from 'tstyche'
import Fastify from 'fastify'
import breaker, { codes, createPolicy, fastifyHighloadBreaker, Policy } from '../../src/index.js'
import type {
  BreakerState, DependencyOptions, FastifyHighloadBreakerOptions, HighloadBreaker, PolicyOptions, PolicySnapshot,
  RequestBreaker, StateChangeEvent, Verdict
} from '../../src/index.js'
import { circuitBreaker, codes as coreCodes, retry, timeout, TimerHeap } from '../../src/core/index.js'

test('plugin registration and decorators', () => {
  const app = Fastify()
  app.register(breaker, { dependencies: { pay: { timeoutMs: 500, critical: true, retry: { maxAttempts: 3 } } } })
  app.register(fastifyHighloadBreaker, { dependencies: {}, routeDefaults: { deadlineMs: 1000 } })
  expect(app.register(breaker, { dependencies: { pay: { timeoutMs: '5' } } })).type.toRaiseError()
  expect(app.register(breaker, {})).type.toRaiseError()
  expect(app.breaker).type.toBe<HighloadBreaker>()
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
  expect(p).type.toBe<Policy>()
  expect(p.execute(async () => 42)).type.toBe<Promise<number>>()
  expect(p.execute(() => 'sync')).type.toBe<Promise<string>>()
  expect(p.execute(async (signal) => signal, { deadline: Date.now() + 10, idempotent: true })).type.toBe<Promise<AbortSignal>>()
  expect(createPolicy({ breaker: { windowType: 'sliding' } })).type.toRaiseError()
  expect(circuitBreaker({ failureRateThreshold: 25, timers: new TimerHeap() })).type.toBe<Policy>()
  expect(timeout(100)).type.toBe<Policy>()
  expect(p.snapshot().failureRate).type.toBe<number | null>()
})

test('codes are literal and the same from both entries', () => {
  expect(codes.OPEN).type.toBe<'HL_BREAKER_OPEN'>()
  expect(coreCodes).type.toBe<typeof codes>()
})

test('a typed classifyResult needs no cast', () => {
  // The example server's classifier, as a plugin dependency: the work is not known at registration.
  const app = Fastify()
  app.register(breaker, {
    dependencies: {
      upstream: {
        timeoutMs: 1000,
        classifyResult: (response: Response) => response.status >= 500 ? 'failure' : 'success'
      }
    }
  })
  const options: FastifyHighloadBreakerOptions = {
    dependencies: { upstream: { classifyResult: (response: Response) => response.status >= 500 ? 'failure' : 'success' } }
  }
  expect(options).type.toBeAssignableTo<FastifyHighloadBreakerOptions>()
  // An unannotated classifier gets `unknown`, as before, and can narrow it.
  app.register(breaker, {
    dependencies: {
      upstream: {
        classifyResult: (result) => {
          expect(result).type.toBe<unknown>()
          return result instanceof Response && result.status >= 500 ? 'failure' : 'success'
        }
      }
    }
  })

  // In the core, the classifier types the policy.
  const payments = createPolicy({ classifyResult: (response: Response) => response.status >= 500 ? 'failure' : 'success' })
  expect(payments).type.toBe<Policy<Response>>()
  expect(payments.execute((signal) => fetch('http://pay.example/', { signal }))).type.toBe<Promise<Response>>()
  expect(new Policy({ classifyResult: (n: number): Verdict => n > 1 ? 'failure' : 'success' })).type.toBe<Policy<number>>()
  expect(retry({ classifyResult: (n: number) => n > 1 ? 'failure' : 'success' })).type.toBe<Policy<number>>()
  expect(circuitBreaker({ classifyResult: (n: number) => n > 1 ? 'failure' : 'success' })).type.toBe<Policy<number>>()
  // A typed policy is still a Policy (what @highload/cache and @highload/replicas store).
  expect(payments).type.toBeAssignableTo<Policy>()
  const typedOptions: PolicyOptions<Response> = { classifyResult: (response) => response.ok ? 'success' : 'failure' }
  expect(typedOptions.classifyResult).type.toBe<((result: Response) => Verdict) | undefined>()
  const dependency: DependencyOptions<Response> = { classifyResult: (response) => response.ok ? 'success' : 'failure', critical: true }
  expect(dependency).type.toBeAssignableTo<DependencyOptions>()
})

test('a classifier for the wrong type is an error where the type is known', () => {
  const payments = createPolicy({ classifyResult: (response: Response) => response.status >= 500 ? 'failure' : 'success' })
  expect(payments.execute(async () => 42)).type.toRaiseError()
  expect(createPolicy<Response>({ classifyResult: (n: number) => n > 1 ? 'failure' : 'success' })).type.toRaiseError()
  expect(new Policy<Response>({ classifyResult: (s: string) => s === '' ? 'failure' : 'success' })).type.toRaiseError()
  expect<PolicyOptions<Response>>().type.not.toBeAssignableFrom({ classifyResult: (s: string): Verdict => s === '' ? 'failure' : 'success' })
  expect<DependencyOptions<Response>>().type.not.toBeAssignableFrom({ classifyResult: (n: number): Verdict => n > 1 ? 'failure' : 'success' })
  expect(createPolicy({ classifyResult: (response: Response) => response.status > 1 ? 'bad' : 'success' })).type.toRaiseError()
})

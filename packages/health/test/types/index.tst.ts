import { expect, test } from 'tstyche'
import Fastify from 'fastify'
import fastifyRedis from '@fastify/redis'
import fastifyPostgres from '@fastify/postgres'
import { Redis, Cluster } from 'ioredis'
import pg from 'pg'
import health, {
  codes,
  eventLoopCheck,
  fastifyHighloadHealth,
  memoryCheck,
  postgresCheck,
  redisCheck,
  TRANSITION_CHANNEL
} from '../../src/index.js'
import type { FastifyHighloadHealthOptions, HighloadHealth, HealthCheckEntry, HealthCheckSpec, HealthDocument, HealthTransitionMessage } from '../../src/index.js'

const app = Fastify()

test('registration and options', () => {
  expect(app.register(health)).type.not.toRaiseError()
  expect(app.register(fastifyHighloadHealth, {
    prefix: '/ops',
    paths: { liveness: '/healthz', readiness: false },
    exposeDetails: (request) => request.headers['x-ops'] === 'yes',
    logLevel: 'warn',
    retryAfterSeconds: 10,
    version: '1.0.0',
    releaseId: 'abc',
    defaults: { timeoutMs: 300, intervalMs: 2000, failureThreshold: 3, successThreshold: 1, jitter: 0.2 },
    sendReadyMessage: false
  })).type.not.toRaiseError()
  expect(app.register(health, { exposeDetails: async () => true })).type.not.toRaiseError()
  expect<FastifyHighloadHealthOptions>().type.not.toBeAssignableFrom({ exposeDetails: 'authorized' })
  expect<FastifyHighloadHealthOptions>().type.not.toBeAssignableFrom({ logLevel: 'loud' })
  expect<FastifyHighloadHealthOptions>().type.not.toBeAssignableFrom({ paths: { liveness: true } })
})

test('the decorator', () => {
  expect(app.health).type.toBe<HighloadHealth>()
  expect(app.health.status()).type.toBe<HealthDocument>()
  expect(app.health.status({ details: true }).checks['db:responseTime']).type.toBe<HealthCheckEntry[] | undefined>()
  expect(app.health.isReady()).type.toBe<boolean>()
  expect(app.health.isLive()).type.toBe<boolean>()
  expect(app.health.setReady(false, 'maintenance')).type.toBe<void>()
  expect(app.health.markBroken(new Error('x'))).type.toBe<void>()
  expect(app.health.addStartupTask(Promise.resolve())).type.toBe<void>()
  expect(app.health.addStartupTask(async () => {})).type.toBe<void>()
  expect(app.health.setReady).type.not.toBeCallableWith('yes')
})

test('check specs', () => {
  expect(app.health.addCheck({ name: 'a', check: () => {} })).type.toBe<void>()
  expect(app.health.addCheck({
    name: 'b',
    groups: ['liveness', 'startup'],
    critical: true,
    timeoutMs: 100,
    ttlMs: 1000,
    staleAfterMs: 5000,
    failureThreshold: 2,
    successThreshold: 1,
    componentType: 'datastore',
    measurement: 'connections',
    check: async ({ signal }) => {
      expect(signal).type.toBe<AbortSignal>()
      return { observedValue: 3, observedUnit: 'connections', details: { waiting: 0 } }
    }
  })).type.toBe<void>()
  expect<HealthCheckSpec>().type.not.toBeAssignableFrom({ name: 'c', check: () => {}, groups: ['health'] })
  expect<HealthCheckSpec>().type.not.toBeAssignableFrom({ name: 'c', check: () => ({ observedValue: {} }) })
  expect<HealthCheckSpec>().type.not.toBeAssignableFrom({ name: 'c' })
})

test('built-in check factories accept real clients structurally', () => {
  expect(redisCheck(new Redis())).type.toBe<HealthCheckSpec>()
  expect(redisCheck(new Cluster([]), { name: 'cluster', critical: true })).type.toBe<HealthCheckSpec>()
  expect(postgresCheck(new pg.Pool())).type.toBe<HealthCheckSpec>()
  expect(redisCheck).type.not.toBeCallableWith({})
  expect(postgresCheck).type.not.toBeCallableWith({ query: async () => {} })
  expect(eventLoopCheck({ maxDelayMs: 100, maxUtilization: 0.9 })).type.toBe<HealthCheckSpec>()
  expect(eventLoopCheck).type.not.toBeCallableWith({ critical: true })
  expect(memoryCheck({ maxHeapUsedBytes: 1e9, maxRssBytes: 2e9 })).type.toBe<HealthCheckSpec>()
})

test('works with app.redis and app.pg', async () => {
  const server = Fastify()
  await server.register(fastifyRedis, { url: 'redis://127.0.0.1' })
  await server.register(fastifyPostgres, { connectionString: 'postgres://localhost/db' })
  expect(redisCheck(server.redis)).type.toBe<HealthCheckSpec>()
  expect(postgresCheck(server.pg)).type.toBe<HealthCheckSpec>()
  expect(postgresCheck(server.pg.pool)).type.toBe<HealthCheckSpec>()
})

test('transition messages', () => {
  expect(TRANSITION_CHANNEL).type.toBe<'highload:health:transition'>()
  const message = {} as HealthTransitionMessage
  if (message.scope === 'check') {
    expect(message.critical).type.toBe<boolean>()
    expect(message.from).type.toBe<'unknown' | 'pass' | 'fail'>()
  } else {
    expect(message.to).type.toBe<'pass' | 'fail'>()
  }
})

test('codes', () => {
  expect(codes.INVALID_OPTION).type.toBe<'HL_HEALTH_INVALID_OPTION'>()
  expect(codes.STARTUP_TASK_FAILED).type.toBe<'HL_HEALTH_STARTUP_TASK_FAILED'>()
  expect(codes).type.toBeAssignableTo<{ readonly CHECK_TIMEOUT: string }>()
})

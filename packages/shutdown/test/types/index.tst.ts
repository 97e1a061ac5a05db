import { expect, test } from 'tstyche'
import Fastify from 'fastify'
import shutdown, {
  codes,
  fastifyHighloadShutdown,
  PHASE_CHANNEL,
  ShutdownClosingError,
  ShutdownInvalidOptionError
} from '../../src/index.js'
import type {
  FastifyHighloadShutdownOptions, HighloadShutdown, ShutdownBudget, ShutdownPhase, ShutdownPhaseEvent, ShutdownReport
} from '../../src/index.js'

const app = Fastify()

test('registration and options', () => {
  expect(app.register(shutdown)).type.not.toRaiseError()
  expect(app.register(fastifyHighloadShutdown, {
    gracePeriodMs: 30_000,
    drainDelayMs: 5000,
    requestDrainMs: 18_000,
    cleanupMs: 5000,
    safetyMarginMs: 2000,
    reapIntervalMs: 250,
    signals: ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR2'],
    crashEvents: ['uncaughtException'],
    strict: true,
    exit: (code: number) => { process.exitCode = code }
  })).type.not.toRaiseError()
  expect(app.register(shutdown, { signals: ['SIGSEGV'] })).type.toRaiseError()
  expect(app.register(shutdown, { signals: ['SIGUSR1'] })).type.toRaiseError()
  expect(app.register(shutdown, { crashEvents: ['exit'] })).type.toRaiseError()
  expect(app.register(shutdown, { drainDelayMs: '5s' })).type.toRaiseError()
  expect<FastifyHighloadShutdownOptions>().type.toBeAssignableFrom({})
  expect(app.register(shutdown, { gracePeriodMS: 1 })).type.toRaiseError()
})

test('the decorator', () => {
  expect(app.shutdown).type.toBe<HighloadShutdown>()
  expect(app.shutdown.phase).type.toBe<ShutdownPhase>()
  expect<ShutdownPhase>().type.toBe<'running' | 'draining' | 'closing' | 'closed'>()
  expect(app.shutdown.signal).type.toBe<AbortSignal>()
  expect(app.shutdown.budget).type.toBe<ShutdownBudget>()
  expect(app.shutdown.start()).type.toBe<Promise<ShutdownReport>>()
  expect(app.shutdown.start('deploy')).type.toBe<Promise<ShutdownReport>>()
  expect(app.shutdown.onShutdown(({ reason }) => { expect(reason).type.toBe<string>() })).type.toBe<void>()
  expect(app.shutdown.onShutdown(async () => {})).type.toBe<void>()
  expect(app.shutdown.onShutdown(() => 42)).type.toRaiseError()
  expect(app.shutdown.phase = 'closed').type.toRaiseError()
})

test('events and errors', () => {
  expect(PHASE_CHANNEL).type.toBe<'highload:shutdown:phase'>()
  expect<ShutdownPhaseEvent['phase']>().type.toBe<ShutdownPhase>()
  expect<ShutdownPhaseEvent>().type.toHaveProperty('socketsForced')
  expect(new ShutdownClosingError().code).type.toBe<'HL_SHUTDOWN_CLOSING'>()
  expect(new ShutdownClosingError().statusCode).type.toBe<503>()
  expect(new ShutdownInvalidOptionError('gracePeriodMs', '0', 'a number').code).type.toBe<'HL_SHUTDOWN_INVALID_OPTION'>()
  expect(codes.CLOSING).type.toBe<'HL_SHUTDOWN_CLOSING'>()
  expect(codes.HARD_DEADLINE).type.toBe<'HL_SHUTDOWN_HARD_DEADLINE'>()
})

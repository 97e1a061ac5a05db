// In-process tests: no process handlers (signals: [], crashEvents: []), an injected exit
// function, and fake clocks for the budget timers.
import diagnostics from 'node:diagnostics_channel'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fakeClock, logCollector, waitUntil } from '@highload/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import type { Test } from 'tap'
import shutdown, { PHASE_CHANNEL, type FastifyHighloadShutdownOptions, type ShutdownPhaseEvent } from '../src/index.js'

function setup (t: Test, options: FastifyHighloadShutdownOptions = {}, fastifyOptions: object = {}) {
  const logs = logCollector()
  const exits: number[] = []
  const app = Fastify({ logger: { level: 'info', stream: logs.stream }, ...fastifyOptions })
  app.register(shutdown, { signals: [], crashEvents: [], exit: (code) => { exits.push(code) }, ...options })
  const events: ShutdownPhaseEvent[] = []
  const listener = (m: unknown): void => { events.push(m as ShutdownPhaseEvent) }
  diagnostics.subscribe(PHASE_CHANNEL, listener)
  t.teardown(() => diagnostics.unsubscribe(PHASE_CHANNEL, listener))
  return { app, logs, exits, events }
}

t.test('start(): running -> draining -> closing -> closed, still serving with Connection: close, exit 0', async (t) => {
  const clock = fakeClock(t)
  const { app, logs, exits, events } = setup(t, { drainDelayMs: 1000, gracePeriodMs: 10_000 })
  const reasons: string[] = []
  app.get('/', async () => 'hi')
  await app.register(async function consumers (instance: FastifyInstance) {
    instance.shutdown.onShutdown(({ reason }) => { reasons.push(reason) })
    instance.shutdown.onShutdown(function throwsSync () { throw new Error('sync boom') })
    instance.shutdown.onShutdown(async () => { throw new Error('async boom') })
  })
  await app.ready()

  const before = await app.inject('/')
  t.not(before.headers.connection, 'close', 'no Connection: close while running')
  t.equal(app.shutdown.phase, 'running')

  const pending = app.shutdown.start('deploy')
  t.equal(app.shutdown.start('again'), pending, 'idempotent')
  t.equal(app.shutdown.phase, 'draining')
  t.notOk(app.shutdown.signal.aborted)
  app.shutdown.onShutdown(({ reason }) => { reasons.push(`late:${reason}`) })

  const during = await app.inject('/')
  t.equal(during.statusCode, 200)
  t.equal(during.headers.connection, 'close')

  await clock.tickAsync(1000)
  const report = await pending
  t.equal(app.shutdown.phase, 'closed')
  t.ok(app.shutdown.signal.aborted)
  t.equal((app.shutdown.signal.reason as { code: string }).code, 'HL_SHUTDOWN_CLOSING')
  t.match(report, { reason: 'deploy', exitCode: 0, servedDuringDrain: 1, socketsForced: 0 })
  t.same(exits, [0])
  t.same(reasons, ['deploy', 'late:deploy'])
  t.same(events.map((e) => e.phase), ['draining', 'closing', 'closed'])
  t.match(events[1], { phase: 'closing', reason: 'deploy', elapsedMs: 1000, servedDuringDrain: 1 })
  const failures = logs.lines.filter((l) => (l.err as { code?: string } | undefined)?.code === 'HL_SHUTDOWN_HOOK_FAILED')
  t.equal(failures.length, 2, 'failing onShutdown hooks are logged, not fatal')
  t.match(String((failures[0]?.err as { message?: string }).message), /throwsSync|anonymous/)
  t.ok(logs.messages().some((m) => m.startsWith('shutdown: complete (closed)')))
})

t.test('a plain fastify.close() goes closing -> closed, aborts the signal, never exits', async (t) => {
  const { app, exits, events } = setup(t)
  await app.ready()
  await app.close()
  t.equal(app.shutdown.phase, 'closed')
  t.ok(app.shutdown.signal.aborted)
  t.same(events.map((e) => [e.phase, e.reason]), [['closing', 'close'], ['closed', 'close']])
  t.same(exits, [])
})

t.test('a stuck onClose hook is named when the cleanup budget runs out; exit 1', async (t) => {
  const clock = fakeClock(t)
  const { app, logs, exits } = setup(t, { cleanupMs: 2000 })
  let release = (): void => {}
  const order: string[] = []
  await app.register(async function database (instance: FastifyInstance) {
    instance.addHook('onClose', function endPool (_instance, done) { release = () => done() })
    instance.addHook('onClose', function syncHook () { order.push('sync') })
    instance.addHook('onClose', async function asyncHook (i) { order.push(`async:${i === instance}`) })
  })
  t.teardown(() => release())
  await app.ready()
  const pending = app.shutdown.start()
  await clock.tickAsync(1999)
  t.same(exits, [])
  await clock.tickAsync(1)
  const report = await pending
  t.equal(report.exitCode, 1)
  t.equal(report.reason, 'start()')
  t.same(exits, [1])
  t.same(order, ['async:true', 'sync'], 'hooks of every calling style still run')
  const line = logs.lines.find((l) => String(l.msg).includes('cleanup budget of 2000 ms used up'))
  t.match(String(line?.msg), /endPool \(plugin database\) running for \d+ ms/)
  t.equal((line?.err as { code?: string }).code, 'HL_SHUTDOWN_CLEANUP_TIMEOUT')
})

t.test('cleanup timeout with a hook registered before the plugin', async (t) => {
  const clock = fakeClock(t)
  const logs = logCollector()
  const exits: number[] = []
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  let release = (): void => {}
  app.addHook('onClose', (_i, done) => { release = () => done() })
  app.register(shutdown, { signals: [], crashEvents: [], exit: (c) => { exits.push(c) }, cleanupMs: 100 })
  t.teardown(() => release())
  await app.ready()
  const pending = app.shutdown.start()
  await clock.tickAsync(100)
  t.equal((await pending).exitCode, 1)
  t.ok(logs.messages().some((m) => m.includes('still running: an onClose hook registered before @highload/shutdown')))
})

t.test('plain close(): a stuck hook is reported but the exit is not ours', async (t) => {
  const clock = fakeClock(t)
  const { app, logs, exits } = setup(t, { cleanupMs: 100 })
  let release = (): void => {}
  await app.after()
  app.addHook('onClose', function slowFlush (_i, done) { release = () => done() })
  await app.ready()
  const closing = app.close()
  await clock.tickAsync(100)
  t.ok(logs.lines.some((l) => String(l.msg) === 'shutdown: cleanup budget used up' && String((l.hooks as string[])[0]).startsWith('slowFlush')))
  release()
  await closing
  t.same(exits, [])
})

t.test('plain close(): the cleanup timer is quiet when nothing is stuck', async (t) => {
  const clock = fakeClock(t)
  const { app, logs } = setup(t, { cleanupMs: 100 })
  await app.ready()
  await app.close()
  await clock.tickAsync(200)
  t.notOk(logs.messages().some((m) => m.includes('cleanup budget')))
})

t.test('the hard deadline exits 1 with diagnostics even if the sequence is stuck', async (t) => {
  const clock = fakeClock(t)
  const { app, logs, exits } = setup(t, { gracePeriodMs: 1000, safetyMarginMs: 200, cleanupMs: 5000 })
  await app.after()
  t.ok(logs.lines.some((l) => l.level === 40 && String(l.msg).startsWith('shutdown budget: ')), 'budget violation warns')
  let release = (): void => {}
  app.addHook('onClose', function forever (_i, done) { release = () => done() })
  await app.ready()
  const pending = app.shutdown.start()
  await clock.tickAsync(900)
  const report = await pending
  t.equal(report.exitCode, 1)
  t.same(exits, [1])
  const fatal = logs.lines.find((l) => l.level === 60)
  t.equal((fatal?.err as { code?: string }).code, 'HL_SHUTDOWN_HARD_DEADLINE')
  t.match(fatal, { phase: 'closing', onCloseHooksRunning: [/^forever/], activeHandles: Object })
  release()
  await app.close()
  t.same(exits, [1], 'the late end of the sequence does not exit again')
})

t.test('fastify.close() failing ends with exit code 1', async (t) => {
  const { app, logs, exits } = setup(t)
  app.addHook('onClose', async function broken () { throw new Error('pool refused to end') })
  await app.ready()
  const report = await app.shutdown.start()
  t.equal(report.exitCode, 1)
  t.same(exits, [1])
  t.ok(logs.messages().includes('shutdown: fastify.close() failed'))
})

t.test('the exit waits for the logger flush, bounded by half the safety margin', async (t) => {
  const clock = fakeClock(t)
  const exits: number[] = []
  const noop = (): void => {}
  const logger = { level: 'info', info: noop, error: noop, debug: noop, fatal: noop, warn: noop, trace: noop, silent: noop, flush: noop, child () { return logger } }
  const app = Fastify({ loggerInstance: logger as never })
  app.register(shutdown, { signals: [], crashEvents: [], exit: (c) => { exits.push(c) }, safetyMarginMs: 400 })
  await app.ready()
  const pending = app.shutdown.start()
  await clock.tickAsync(199)
  t.same(exits, [])
  await clock.tickAsync(1)
  await pending
  t.same(exits, [0])
})

t.test('the exit waits until an asynchronous pino destination has written the last lines', async (t) => {
  // pino's flush() returns at once with a write in flight; process.exit would then write what is
  // buffered ahead of it. Reading the file from inside exit() shows what had reached it.
  const dir = mkdtempSync(join(tmpdir(), 'hl-shutdown-log-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'log.ndjson')
  let atExit = ''
  const app = Fastify({ logger: { level: 'info', file } })
  app.register(shutdown, { signals: [], crashEvents: [], exit: () => { atExit = readFileSync(file, 'utf8') } })
  await app.ready()
  await app.shutdown.start()
  const messages = atExit.trim().split('\n').map((line) => (JSON.parse(line) as { msg: string }).msg).filter((m) => m.startsWith('shutdown: '))
  t.match(messages, [/^shutdown: draining/, /^shutdown: closing the listener/, /^shutdown: complete \(closed\)/], 'every line, in order')
})

t.test('no logger flush available: exits right away', async (t) => {
  const exits: number[] = []
  const app = Fastify()
  app.register(shutdown, { signals: [], crashEvents: [], exit: (c) => { exits.push(c) } })
  await app.ready()
  await app.shutdown.start()
  t.same(exits, [0])
})

t.test('onShutdown() refuses a non-function', async (t) => {
  const { app } = setup(t)
  await app.ready()
  t.teardown(() => app.close())
  t.throws(() => app.shutdown.onShutdown('nope' as never), { code: 'HL_SHUTDOWN_INVALID_OPTION' })
})

t.test('onClose() itself still rejects a non-function', async (t) => {
  const { app } = setup(t)
  await app.ready()
  t.teardown(() => app.close())
  t.throws(() => (app as unknown as { onClose: (x: unknown) => void }).onClose('x'))
})

t.test('process handlers are removed again after a plain close()', async (t) => {
  const before = process.listenerCount('SIGUSR2')
  const app = Fastify()
  app.register(shutdown, { signals: ['SIGUSR2'], crashEvents: [] })
  await app.ready()
  t.equal(process.listenerCount('SIGUSR2'), before + 1)
  await app.close()
  t.equal(process.listenerCount('SIGUSR2'), before)
})

t.test('start() during a plain close() joins it: no going back to draining', async (t) => {
  const { app, exits, events } = setup(t, { drainDelayMs: 5000 })
  await app.ready()
  const closing = app.close()
  await waitUntil(() => app.shutdown.phase !== 'running', 'close() to leave the running phase')
  const report = await app.shutdown.start('SIGTERM')
  await closing
  t.equal(report.reason, 'close')
  t.equal(report.exitCode, 0)
  t.same(exits, [0])
  t.same(events.map((e) => e.phase), ['closing', 'closed'])
})

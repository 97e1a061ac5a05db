import Fastify from 'fastify'
import t from 'tap'
import { logCollector } from '@highload/testing'
import shutdown from '../src/index.js'
import { describeBudget, normalizeOptions } from '../src/options.js'

t.test('defaults outside Kubernetes', async (t) => {
  const p = normalizeOptions({}, {})
  t.same(p.budget, {
    gracePeriodMs: 30_000,
    drainDelayMs: 0,
    requestDrainMs: 23_000,
    cleanupMs: 5000,
    safetyMarginMs: 2000,
    hardDeadlineMs: 29_000,
    totalMs: 30_000,
    fits: true
  })
  t.same(p.crashBudget, {
    gracePeriodMs: 7000,
    drainDelayMs: 0,
    requestDrainMs: 3000,
    cleanupMs: 2000,
    safetyMarginMs: 2000,
    hardDeadlineMs: 6000,
    totalMs: 7000,
    fits: true
  })
  t.same(p.signals, ['SIGTERM', 'SIGINT'])
  t.same(p.crashEvents, ['uncaughtException', 'unhandledRejection'])
  t.equal(p.reapIntervalMs, 250)
  t.equal(p.strict, false)
  t.equal(p.kubernetes, false)
  t.equal(p.pm2, false)
  t.same(p.sources, { gracePeriodMs: 'default', drainDelayMs: 'default', requestDrainMs: 'derived' })
  t.ok(Object.isFrozen(p) && Object.isFrozen(p.budget) && Object.isFrozen(p.signals))
  t.equal(typeof p.exit, 'function')
})

t.test('Kubernetes: 5 s drain delay; the grace period comes from the environment', async (t) => {
  const p = normalizeOptions({}, { KUBERNETES_SERVICE_HOST: '10.0.0.1', SHUTDOWN_GRACE_PERIOD_MS: '45000' })
  t.equal(p.kubernetes, true)
  t.match(p.budget, { gracePeriodMs: 45_000, drainDelayMs: 5000, requestDrainMs: 33_000, hardDeadlineMs: 44_000, fits: true })
  t.equal(p.sources.gracePeriodMs, 'env')
  t.equal(normalizeOptions({}, { KUBERNETES_SERVICE_HOST: '' }).budget.drainDelayMs, 0, 'empty means unset')
  t.equal(normalizeOptions({}, { SHUTDOWN_GRACE_PERIOD_MS: '' }).budget.gracePeriodMs, 30_000)
})

t.test('options win over the environment; the derived request drain has a floor', async (t) => {
  const p = normalizeOptions({ gracePeriodMs: 3000, drainDelayMs: 1000 }, { SHUTDOWN_GRACE_PERIOD_MS: '45000' })
  t.match(p.budget, { gracePeriodMs: 3000, requestDrainMs: 1000, totalMs: 9000, fits: false })
  t.same(p.sources, { gracePeriodMs: 'option', drainDelayMs: 'option', requestDrainMs: 'derived' })
  const q = normalizeOptions({ requestDrainMs: 500, cleanupMs: 100, safetyMarginMs: 0, signals: ['SIGTERM', 'SIGTERM'], crashEvents: [] }, {})
  t.match(q.budget, { requestDrainMs: 500, cleanupMs: 100, safetyMarginMs: 0, hardDeadlineMs: 30_000 })
  t.same(q.signals, ['SIGTERM'], 'duplicates removed')
  t.same(q.crashEvents, [])
  t.equal(q.sources.requestDrainMs, 'option')
  t.equal(normalizeOptions({}, { pm_id: '0' }).pm2, true)
})

const PREFIX = 'Invalid @highload/shutdown option '
const DURATION = 'expected an integer number of milliseconds from 0 to 2147483647'

t.test('invalid options throw HL_SHUTDOWN_INVALID_OPTION naming the option and the value', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['fast', "options: got 'fast', expected an object"],
    [{ gracePeriodMs: 0 }, 'gracePeriodMs: got 0, expected an integer number of milliseconds from 1 to 2147483647'],
    [{ drainDelayMs: -1 }, `drainDelayMs: got -1, ${DURATION}`],
    [{ requestDrainMs: 1.5 }, `requestDrainMs: got 1.5, ${DURATION}`],
    [{ cleanupMs: '5s' }, `cleanupMs: got '5s', ${DURATION}`],
    [{ safetyMarginMs: Infinity }, `safetyMarginMs: got Infinity, ${DURATION}`],
    [{ reapIntervalMs: 1 }, 'reapIntervalMs: got 1, expected an integer number of milliseconds from 10 to 2147483647'],
    [{ signals: 'SIGTERM' }, "signals: got 'SIGTERM', expected an array, each one of 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGBREAK'"],
    [{ signals: ['SIGTERM', 'SIGSEGV'] }, "signals[1]: got 'SIGSEGV', expected one of 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGBREAK'"],
    [{ signals: ['SIGUSR1'] }, "signals[0]: got 'SIGUSR1', expected one of 'SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGBREAK'"],
    [{ crashEvents: ['exit'] }, "crashEvents[0]: got 'exit', expected one of 'uncaughtException', 'unhandledRejection'"],
    [{ strict: 'yes' }, "strict: got 'yes', expected a boolean"],
    [{ exit: 1 }, 'exit: got 1, expected a function'],
    [{ graceMs: 1 }, 'graceMs: got 1, expected one of the known options (gracePeriodMs, drainDelayMs, requestDrainMs, cleanupMs, safetyMarginMs, reapIntervalMs, signals, crashEvents, strict, exit)']
  ]
  for (const [opts, message] of cases) {
    t.throws(() => normalizeOptions(opts as never, {}), { code: 'HL_SHUTDOWN_INVALID_OPTION', statusCode: 500, message: PREFIX + message }, message)
  }
  t.throws(() => normalizeOptions({}, { SHUTDOWN_GRACE_PERIOD_MS: '30s' }), {
    code: 'HL_SHUTDOWN_INVALID_OPTION',
    message: `${PREFIX}gracePeriodMs (from SHUTDOWN_GRACE_PERIOD_MS): got '30s', expected an integer number of milliseconds from 1 to 2147483647`
  })
  t.type(new (await import('../src/errors.js')).ShutdownInvalidOptionError('a', 'b', 'c'), TypeError)
})

t.test('an object value is shown as util.inspect shows it, not as [object Object]', async (t) => {
  t.throws(() => normalizeOptions({ cleanupMs: { seconds: 5 } } as never, {}),
    { message: `${PREFIX}cleanupMs: got { seconds: 5 }, ${DURATION}` })
  t.throws(() => normalizeOptions({ signals: [{ name: 'SIGTERM' }] } as never, {}),
    { message: /^Invalid @highload\/shutdown option signals\[0\]: got \{ name: 'SIGTERM' \}, expected one of/ })
})

t.test('durations are capped at 2^31-1 ms, Node\'s timer limit', async (t) => {
  const max = 2 ** 31 - 1
  t.equal(normalizeOptions({ gracePeriodMs: max, cleanupMs: max }, {}).budget.gracePeriodMs, max)
  for (const key of ['gracePeriodMs', 'drainDelayMs', 'requestDrainMs', 'cleanupMs', 'safetyMarginMs', 'reapIntervalMs']) {
    t.throws(() => normalizeOptions({ [key]: 2 ** 31 }, {}), { code: 'HL_SHUTDOWN_INVALID_OPTION', message: new RegExp(`option ${key}: got 2147483648, expected .* to 2147483647$`) }, key)
  }
  t.throws(() => normalizeOptions({}, { SHUTDOWN_GRACE_PERIOD_MS: '2147483648' }),
    { message: `${PREFIX}gracePeriodMs (from SHUTDOWN_GRACE_PERIOD_MS): got 2147483648, expected an integer number of milliseconds from 1 to 2147483647` })
})

t.test('unknown options are refused, with a hint for a near miss', async (t) => {
  t.throws(() => normalizeOptions({ drainDelayMS: 1000 } as never, {}),
    { code: 'HL_SHUTDOWN_INVALID_OPTION', message: `${PREFIX}drainDelayMS: got 1000, expected one of the known options; did you mean \`drainDelayMs\`?` })
  t.throws(() => normalizeOptions({ signal: ['SIGTERM'] } as never, {}),
    { message: `${PREFIX}signal: got [ 'SIGTERM' ], expected one of the known options; did you mean \`signals\`?` })
})

t.test('no options, or null, means every default', async (t) => {
  t.same(normalizeOptions(undefined, {}), normalizeOptions({}, {}))
  t.same(normalizeOptions(null as never, {}).budget, normalizeOptions({}, {}).budget)
})

t.test('describeBudget', async (t) => {
  t.equal(describeBudget(normalizeOptions({}, {}).budget),
    'drain delay 0 ms + request drain 23000 ms + cleanup 5000 ms + safety margin 2000 ms = 30000 ms <= grace period 30000 ms (hard deadline at 29000 ms)')
})

const inProcess = { signals: [], crashEvents: [], exit: () => {} }

t.test('registration logs the budget at info level', async (t) => {
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  app.register(shutdown, inProcess)
  await app.ready()
  t.teardown(() => app.close())
  const line = logs.lines.find((l) => String(l.msg).startsWith('shutdown budget: '))
  t.match(line, { level: 30, budget: { gracePeriodMs: 30_000 }, kubernetes: false })
  t.same(app.shutdown.budget, normalizeOptions({}, {}).budget)
})

t.test('strict mode throws when the budget does not fit', async (t) => {
  const app = Fastify()
  app.register(shutdown, { ...inProcess, strict: true, gracePeriodMs: 5000, drainDelayMs: 5000 })
  await t.rejects(async () => { await app.ready() }, { code: 'HL_SHUTDOWN_BUDGET_EXCEEDED', message: /= 13000 ms > grace period 5000 ms/ })
})

t.test('warnings: PM2 and forceCloseConnections: true', async (t) => {
  const logs = logCollector()
  process.env.pm_id = '3'
  t.teardown(() => { delete process.env.pm_id })
  const app = Fastify({ logger: { level: 'info', stream: logs.stream }, forceCloseConnections: true })
  app.register(shutdown, inProcess)
  await app.ready()
  t.teardown(() => app.close())
  const warnings = logs.lines.filter((l) => l.level === 40).map((l) => String(l.msg))
  t.match(warnings, [/running under PM2.*kill_timeout >= 30000 ms/, /forceCloseConnections: true destroys in-flight requests/])
})

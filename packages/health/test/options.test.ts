import t from 'tap'
import Fastify from 'fastify'
import health, { HealthInvalidOptionError } from '../src/index.js'
import type { FastifyHighloadHealthOptions, HealthCheckSpec } from '../src/index.js'
import { parseOptions } from '../src/options.js'
import { build } from './helpers.js'

const PREFIX = 'Invalid @highload/health option '

/** Registers the plugin with `options` and returns what registration failed with. */
async function registrationError (t: { teardown: (fn: () => unknown) => void }, options: unknown): Promise<unknown> {
  const app = Fastify()
  t.teardown(() => app.close())
  return await app.register(health, options as FastifyHighloadHealthOptions).ready().then(() => null, (e: unknown) => e)
}

/** What `fn` throws (undefined when it does not). */
function thrown (fn: () => unknown): Error | undefined {
  try {
    fn()
  } catch (error) {
    return error as Error
  }
  return undefined
}

t.test('invalid plugin options fail registration with HL_HEALTH_INVALID_OPTION, naming the dotted path', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['nope', "options: got 'nope', expected an object"],
    [{ prefix: 'ops' }, 'prefix: got \'ops\', expected an empty string or a path starting with "/" (no query, fragment or white space)'],
    [{ prefix: 5 }, 'prefix: got 5, expected'],
    [{ paths: [] }, 'paths: got [], expected an object'],
    [{ paths: { liveness: 'livez' } }, 'paths.liveness: got \'livez\', expected a path starting with "/", other than "/" itself (no query, fragment or white space) or false'],
    [{ paths: { readiness: '/' } }, "paths.readiness: got '/', expected"],
    [{ paths: { health: '//' } }, "paths.health: got '//', expected"],
    [{ paths: { health: true } }, 'paths.health: got true, expected'],
    [{ exposeDetails: 'authorized' }, "exposeDetails: got 'authorized', expected 'never', 'always' or a function of the request"],
    [{ logLevel: 'loud' }, "logLevel: got 'loud', expected one of 'silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'"],
    [{ logLevel: 3 }, 'logLevel: got 3, expected'],
    [{ retryAfterSeconds: -1 }, 'retryAfterSeconds: got -1, expected an integer number from 0 to 86400'],
    [{ retryAfterSeconds: 1.5 }, 'retryAfterSeconds: got 1.5, expected'],
    [{ retryAfterSeconds: '5' }, "retryAfterSeconds: got '5', expected"],
    [{ version: '' }, "version: got '', expected a non-empty string"],
    [{ releaseId: 7 }, 'releaseId: got 7, expected'],
    [{ sendReadyMessage: 'yes' }, "sendReadyMessage: got 'yes', expected a boolean"],
    [{ defaults: 5 }, 'defaults: got 5, expected an object'],
    [{ defaults: { jitter: 0.6 } }, 'defaults.jitter: got 0.6, expected a number from 0 to 0.5'],
    [{ defaults: { jitter: 'x' } }, "defaults.jitter: got 'x', expected"],
    [{ defaults: { timeoutMs: 0 } }, 'defaults.timeoutMs: got 0, expected an integer number of milliseconds from 1 to 2147483647'],
    [{ defaults: { intervalMs: 2 ** 31 } }, 'defaults.intervalMs: got 2147483648, expected'],
    [{ defaults: { failureThreshold: 0 } }, 'defaults.failureThreshold: got 0, expected an integer number from 1 to 1000'],
    [{ defaults: { successThreshold: 1.5 } }, 'defaults.successThreshold: got 1.5, expected'],
    [{ defaults: { successThreshold: '1' } }, "defaults.successThreshold: got '1', expected"]
  ]
  for (const [options, message] of cases) {
    const error = await registrationError(t, options)
    t.ok(error instanceof TypeError, `TypeError for ${JSON.stringify(options)}`)
    t.ok(error instanceof HealthInvalidOptionError)
    t.match(error, { code: 'HL_HEALTH_INVALID_OPTION', statusCode: 500 })
    t.equal((error as Error).message.slice(0, PREFIX.length + message.length), PREFIX + message)
  }
})

// Before the options kit these keys were silently ignored: a typo left the default in place.
t.test('unknown plugin options are refused, with a did-you-mean hint for a near miss', async (t) => {
  const cases: Array<[unknown, string]> = [
    [{ prefx: '/x' }, "prefx: got '/x', expected one of the known options; did you mean `prefix`?"],
    [{ defaults: { timeout: 100 } }, 'defaults.timeout: got 100, expected one of the known options; did you mean `timeoutMs`?'],
    [{ paths: { livez: '/l' } }, "paths.livez: got '/l', expected one of the known options (liveness, readiness, health)"]
  ]
  for (const [options, message] of cases) {
    const error = await registrationError(t, options)
    t.match(error, { code: 'HL_HEALTH_INVALID_OPTION', message: `${PREFIX}${message}` }, JSON.stringify(options))
  }
})

t.test('parseOptions: undefined and null stand for the defaults; the result is frozen', async (t) => {
  for (const options of [undefined, null]) {
    const params = parseOptions(options)
    t.same(params.paths, { liveness: '/livez', readiness: '/readyz', health: '/health' })
    t.equal(params.retryAfter, '5')
    t.same(params.defaults, { timeoutMs: 500, intervalMs: 5000, failureThreshold: 2, successThreshold: 1, jitter: 0.1 })
    t.ok(Object.isFrozen(params) && Object.isFrozen(params.paths) && Object.isFrozen(params.defaults))
  }
  t.same(parseOptions({ prefix: '/ops/', paths: { liveness: '/l//', health: false } }).paths, { liveness: '/l', readiness: '/readyz', health: null })
  t.equal(parseOptions({ prefix: '/' }).prefix, '', 'a trailing slash is dropped, so "/" is no prefix')
})

t.test('registration without options uses the defaults', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(health, null as unknown as FastifyHighloadHealthOptions)
  t.equal((await app.inject('/livez')).statusCode, 200)
  t.equal((await app.inject('/readyz')).statusCode, 200)
})

t.test('invalid check specs are rejected by addCheck, naming the check: checks.<name>.<field>', async (t) => {
  const { app } = await build(t)
  const check = (): void => {}
  const NAME = 'a name of 1 to 128 letters, digits, "_", "." or "-" starting with a letter or digit, other than the built-in gates (process, startup, serving)'
  const cases: Array<[unknown, string]> = [
    ['db', "checks.?: got 'db', expected an object"],
    [null, `checks.?.name: got undefined, expected ${NAME}`],
    [{ check }, `checks.?.name: got undefined, expected ${NAME}`],
    [{ name: 'has space', check }, "checks.?.name: got 'has space', expected"],
    [{ name: '-dash', check }, "checks.?.name: got '-dash', expected"],
    [{ name: 'a'.repeat(129), check }, "checks.?.name: got 'aaaa"],
    [{ name: 'a:b', check }, "checks.?.name: got 'a:b', expected"],
    [{ name: 'serving', check }, `checks.?.name: got 'serving', expected ${NAME}`],
    [{ name: 'db' }, 'checks.db.check: got undefined, expected a function'],
    [{ name: 'db', check, groups: [] }, "checks.db.groups: got [], expected a non-empty array of distinct items, each one of 'liveness', 'readiness', 'startup'"],
    [{ name: 'db', check, groups: ['health'] }, "checks.db.groups[0]: got 'health', expected one of 'liveness', 'readiness', 'startup'"],
    [{ name: 'db', check, groups: ['readiness', 'readiness'] }, "checks.db.groups: got [ 'readiness', 'readiness' ], expected"],
    [{ name: 'db', check, groups: 'readiness' }, "checks.db.groups: got 'readiness', expected"],
    [{ name: 'db', check, critical: 'yes' }, "checks.db.critical: got 'yes', expected a boolean"],
    [{ name: 'db', check, critical: check }, 'checks.db.critical: got [Function: check], expected a boolean'],
    [{ name: 'db', check, intervalMs: 1000, ttlMs: 1000 }, 'checks.db.ttlMs: got 1000, expected no ttlMs when intervalMs is set (a check runs either in the background or on demand)'],
    [{ name: 'db', check, ttlMs: 0 }, 'checks.db.ttlMs: got 0, expected an integer number of milliseconds from 1 to 2147483647'],
    [{ name: 'db', check, timeoutMs: -5 }, 'checks.db.timeoutMs: got -5, expected'],
    [{ name: 'db', check, intervalMs: 1.5 }, 'checks.db.intervalMs: got 1.5, expected'],
    [{ name: 'db', check, intervalMs: 1000, timeoutMs: 500, staleAfterMs: 1500 }, 'checks.db.staleAfterMs: got 1500, expected more than one jittered interval plus timeoutMs (1500)'],
    [{ name: 'db', check, ttlMs: 1000, timeoutMs: 500, staleAfterMs: 500 }, 'checks.db.staleAfterMs: got 500, expected more than timeoutMs (500)'],
    [{ name: 'db', check, staleAfterMs: 0 }, 'checks.db.staleAfterMs: got 0, expected'],
    [{ name: 'db', check, failureThreshold: 1001 }, 'checks.db.failureThreshold: got 1001, expected an integer number from 1 to 1000'],
    [{ name: 'db', check, successThreshold: 0 }, 'checks.db.successThreshold: got 0, expected'],
    [{ name: 'db', check, componentType: '' }, "checks.db.componentType: got '', expected a non-empty string"],
    [{ name: 'db', check, measurement: 'response:time' }, "checks.db.measurement: got 'response:time', expected a non-empty string without \":\" or white space"],
    [{ name: 'db', check, measurement: 3 }, 'checks.db.measurement: got 3, expected'],
    [{ name: 'db', check, dispose: 'x' }, "checks.db.dispose: got 'x', expected a function"]
  ]
  for (const [spec, message] of cases) {
    const error = thrown(() => app.health.addCheck(spec as HealthCheckSpec))
    t.match(error, { name: 'FastifyError', code: 'HL_HEALTH_INVALID_OPTION', statusCode: 500 }, JSON.stringify(spec))
    t.equal(error?.message.slice(0, PREFIX.length + message.length), PREFIX + message)
  }
  t.doesNotThrow(() => app.health.addCheck({ name: 'ok.name_1-a', check, groups: ['liveness', 'readiness', 'startup'], ttlMs: 100 }))
})

// Before the options kit a misspelled field was dropped: `timeoutMS: 100` ran with the default timeout.
t.test('unknown check spec fields are refused, with a did-you-mean hint', async (t) => {
  const { app } = await build(t)
  const check = (): void => {}
  t.throws(() => app.health.addCheck({ name: 'db', check, timeoutMS: 100 } as HealthCheckSpec), {
    code: 'HL_HEALTH_INVALID_OPTION',
    message: `${PREFIX}checks.db.timeoutMS: got 100, expected one of the known options; did you mean \`timeoutMs\`?`
  })
  t.throws(() => app.health.addCheck({ name: 'db', check, critcal: true } as HealthCheckSpec), {
    message: `${PREFIX}checks.db.critcal: got true, expected one of the known options; did you mean \`critical\`?`
  })
  t.equal(app.health.status().checks['db:responseTime'], undefined, 'nothing was registered')
})

t.test('staleAfterMs defaults to 3 × the period plus timeoutMs and is capped', async (t) => {
  const { app } = await build(t)
  // a period so long that 3 × it overflows the timer range still gets a usable bound
  t.doesNotThrow(() => app.health.addCheck({ name: 'rare', intervalMs: 2_000_000_000, timeoutMs: 100, check: () => {} }))
  t.throws(() => app.health.addCheck({ name: 'rarer', intervalMs: 2_000_000_000, timeoutMs: 147_483_647, check: () => {} }), {
    code: 'HL_HEALTH_INVALID_OPTION',
    message: `${PREFIX}checks.rarer.staleAfterMs: got 2147483647, expected more than one jittered interval plus timeoutMs (2147483647)`
  }, 'when even the cap is not above one interval plus the timeout')
})

t.test('on-demand checks are not refreshed before Fastify is ready', async (t) => {
  const { app } = await build(t)
  let runs = 0
  app.health.addCheck({ name: 'db', ttlMs: 1000, check: () => { runs++ } })
  app.health.status()
  t.equal(runs, 0)
  await app.ready()
  t.equal(runs, 1)
})

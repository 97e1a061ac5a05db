import t from 'tap'
import Fastify from 'fastify'
import health, { fastifyHighloadHealth, HealthInvalidOptionError } from '../src/index.js'
import type { FastifyHealthOptions, HealthCheckSpec } from '../src/index.js'
import { normalizeOptions } from '../src/options.js'
import { build } from './helpers.js'

t.test('default and named exports are the same plugin, named @highload/health', async (t) => {
  t.equal(health, fastifyHighloadHealth)
  t.equal((health as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')], '@highload/health')
})

t.test('invalid plugin options fail registration with HL_HEALTH_INVALID_OPTION', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['nope', '"options" must be an object, got \'nope\''],
    [{ prefix: 'ops' }, '"prefix" must be an empty string or a path starting with "/", got \'ops\''],
    [{ prefix: 5 }, '"prefix"'],
    [{ paths: [] }, '"paths" must be an object'],
    [{ paths: { liveness: 'livez' } }, '"paths.liveness" must be false or a path starting with "/" (not "/" itself), got \'livez\''],
    [{ paths: { readiness: '/' } }, '"paths.readiness"'],
    [{ paths: { health: true } }, '"paths.health"'],
    [{ exposeDetails: 'authorized' }, '"exposeDetails" must be "never", "always" or a function of the request, got \'authorized\''],
    [{ logLevel: 'loud' }, '"logLevel" must be one of silent, fatal, error, warn, info, debug, trace'],
    [{ logLevel: 3 }, '"logLevel"'],
    [{ retryAfterSeconds: -1 }, '"retryAfterSeconds" must be an integer number of seconds from 0 to 86400, got -1'],
    [{ retryAfterSeconds: 1.5 }, '"retryAfterSeconds"'],
    [{ retryAfterSeconds: '5' }, '"retryAfterSeconds"'],
    [{ version: '' }, '"version" must be a non-empty string'],
    [{ releaseId: 7 }, '"releaseId"'],
    [{ sendReadyMessage: 'yes' }, '"sendReadyMessage" must be a boolean'],
    [{ defaults: 5 }, '"defaults" must be an object, got 5'],
    [{ defaults: { jitter: 0.6 } }, '"defaults.jitter" must be a number from 0 to 0.5, got 0.6'],
    [{ defaults: { jitter: 'x' } }, '"defaults.jitter"'],
    [{ defaults: { timeoutMs: 0 } }, '"defaults.timeoutMs" must be an integer number of milliseconds from 1 to 2147483647, got 0'],
    [{ defaults: { intervalMs: 2 ** 31 } }, '"defaults.intervalMs"'],
    [{ defaults: { failureThreshold: 0 } }, '"defaults.failureThreshold" must be an integer from 1 to 1000, got 0'],
    [{ defaults: { successThreshold: 1.5 } }, '"defaults.successThreshold"'],
    [{ defaults: { successThreshold: '1' } }, '"defaults.successThreshold"']
  ]
  for (const [options, message] of cases) {
    const app = Fastify()
    t.teardown(() => app.close())
    const error = await app.register(health, options as FastifyHealthOptions).ready().then(() => null, (e: unknown) => e)
    t.ok(error instanceof TypeError, `TypeError for ${JSON.stringify(options)}`)
    t.ok(error instanceof HealthInvalidOptionError)
    t.match(error, { code: 'HL_HEALTH_INVALID_OPTION', statusCode: 500, message: `Invalid @highload/health option: ${message}` })
  }
})

t.test('normalizeOptions accepts undefined', async (t) => {
  t.equal(normalizeOptions(undefined).paths.liveness, '/livez')
})

t.test('registration without options uses the defaults', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(health, null as unknown as FastifyHealthOptions)
  t.equal((await app.inject('/livez')).statusCode, 200)
  t.equal((await app.inject('/readyz')).statusCode, 200)
})

t.test('invalid check specs are rejected by addCheck', async (t) => {
  const { app } = await build(t)
  const check = (): void => {}
  const cases: Array<[unknown, string]> = [
    [null, '"check spec" must be an object with at least name and check, got null'],
    [{ check }, '"name" must be a string of 1 to 128 letters, digits, "_", "." or "-", starting with a letter or digit, got undefined'],
    [{ name: 'has space', check }, '"name"'],
    [{ name: '-dash', check }, '"name"'],
    [{ name: 'a'.repeat(129), check }, '"name"'],
    [{ name: 'a:b', check }, '"name"'],
    [{ name: 'serving', check }, '"name" must be a name other than the built-in gates (process, startup, serving), got \'serving\''],
    [{ name: 'db' }, '"db.check" must be a function, got undefined'],
    [{ name: 'db', check, groups: [] }, '"db.groups" must be a non-empty array of distinct "liveness", "readiness", "startup", got []'],
    [{ name: 'db', check, groups: ['health'] }, '"db.groups"'],
    [{ name: 'db', check, groups: ['readiness', 'readiness'] }, '"db.groups"'],
    [{ name: 'db', check, groups: 'readiness' }, '"db.groups"'],
    [{ name: 'db', check, critical: 'yes' }, '"db.critical" must be a boolean'],
    [{ name: 'db', check, critical: check }, '"db.critical" must be a boolean, got a function'],
    [{ name: 'db', check, intervalMs: 1000, ttlMs: 1000 }, '"db.ttlMs" must be left out when intervalMs is set (choose background or on-demand mode), got 1000'],
    [{ name: 'db', check, ttlMs: 0 }, '"db.ttlMs"'],
    [{ name: 'db', check, timeoutMs: -5 }, '"db.timeoutMs"'],
    [{ name: 'db', check, intervalMs: 1.5 }, '"db.intervalMs"'],
    [{ name: 'db', check, intervalMs: 1000, timeoutMs: 500, staleAfterMs: 1500 }, '"db.staleAfterMs" must be greater than 1500 (one jittered interval plus timeoutMs), got 1500'],
    [{ name: 'db', check, ttlMs: 1000, timeoutMs: 500, staleAfterMs: 500 }, '"db.staleAfterMs" must be greater than 500'],
    [{ name: 'db', check, staleAfterMs: 0 }, '"db.staleAfterMs"'],
    [{ name: 'db', check, failureThreshold: 1001 }, '"db.failureThreshold" must be an integer from 1 to 1000'],
    [{ name: 'db', check, successThreshold: 0 }, '"db.successThreshold"'],
    [{ name: 'db', check, componentType: '' }, '"db.componentType" must be a non-empty string'],
    [{ name: 'db', check, measurement: 'response:time' }, '"db.measurement" must be a non-empty string without ":" or spaces'],
    [{ name: 'db', check, measurement: 3 }, '"db.measurement"'],
    [{ name: 'db', check, dispose: 'x' }, '"db.dispose" must be a function, got \'x\'']
  ]
  for (const [spec, message] of cases) {
    t.throws(() => app.health.addCheck(spec as HealthCheckSpec), {
      name: 'FastifyError',
      code: 'HL_HEALTH_INVALID_OPTION',
      message: `Invalid @highload/health option: ${message}`
    }, JSON.stringify(spec))
  }
  t.doesNotThrow(() => app.health.addCheck({ name: 'ok.name_1-a', check, groups: ['liveness', 'readiness', 'startup'], ttlMs: 100 }))
})

t.test('staleAfterMs defaults to 3 × the period plus timeoutMs and is capped', async (t) => {
  const { app } = await build(t)
  // a period so long that 3 × it overflows the timer range still gets a usable bound
  t.doesNotThrow(() => app.health.addCheck({ name: 'rare', intervalMs: 2_000_000_000, timeoutMs: 100, check: () => {} }))
  t.throws(() => app.health.addCheck({ name: 'rarer', intervalMs: 2_000_000_000, timeoutMs: 147_483_647, check: () => {} }), {
    code: 'HL_HEALTH_INVALID_OPTION'
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

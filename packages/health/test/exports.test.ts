import t from 'tap'
import * as exported from '../src/index.js'
import health, { codes, fastifyHighloadHealth } from '../src/index.js'

t.test('the default export is the named export fastifyHighloadHealth', async (t) => {
  t.equal(health, fastifyHighloadHealth)
  t.type(health, 'function')
})

t.test('fastify-plugin metadata names the package and the Fastify major', async (t) => {
  const meta = (health as unknown as Record<symbol, unknown>)[Symbol.for('plugin-meta')]
  t.match(meta, { name: '@highload/health', fastify: '5.x' })
  t.equal((health as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')], '@highload/health')
})

t.test('codes: a frozen map from the condition to the HL_HEALTH_ code', async (t) => {
  t.same(codes, {
    INVALID_OPTION: 'HL_HEALTH_INVALID_OPTION',
    DUPLICATE_CHECK: 'HL_HEALTH_DUPLICATE_CHECK',
    CHECK_TIMEOUT: 'HL_HEALTH_CHECK_TIMEOUT',
    CHECK_FAILED: 'HL_HEALTH_CHECK_FAILED',
    CHECK_STALE: 'HL_HEALTH_CHECK_STALE',
    STARTUP_TASK_FAILED: 'HL_HEALTH_STARTUP_TASK_FAILED'
  })
  t.ok(Object.isFrozen(codes))
})

t.test('each code has an exported error class named after it that carries the code', async (t) => {
  const args: Record<string, unknown[]> = {
    INVALID_OPTION: ['paths.health', "'x'", 'a path'],
    DUPLICATE_CHECK: ['db'],
    CHECK_TIMEOUT: [500],
    CHECK_FAILED: ['down'],
    CHECK_STALE: [3500],
    STARTUP_TASK_FAILED: ['migrations failed']
  }
  for (const [condition, code] of Object.entries(codes)) {
    // HL_HEALTH_CHECK_TIMEOUT → HealthCheckTimeoutError
    const className = `${code.replace(/^HL_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}Error`
    const ErrorClass = (exported as unknown as Record<string, new (...a: unknown[]) => Error & { code: string }>)[className]
    t.type(ErrorClass, 'function', `${className} is exported`)
    if (ErrorClass === undefined) continue
    const error = new ErrorClass(...(args[condition] as unknown[]))
    t.equal(error.code, code, `${className} carries ${code}`)
    t.ok(error instanceof ErrorClass)
  }
  t.equal(new exported.HealthInvalidOptionError('paths.health', "'x'", 'a path').message,
    "Invalid @highload/health option paths.health: got 'x', expected a path")
  t.ok(new exported.HealthInvalidOptionError('a', 'b', 'c') instanceof TypeError, 'a bad option is a TypeError (500)')
})

import t from 'tap'
import * as shutdown from '../src/index.js'
import fastifyHighloadShutdownDefault, {
  codes,
  fastifyHighloadShutdown,
  ShutdownBudgetExceededError,
  ShutdownCleanupTimeoutError,
  ShutdownClosingError,
  ShutdownHardDeadlineError,
  ShutdownHookFailedError,
  ShutdownInvalidOptionError
} from '../src/index.js'

t.test('the default export is the named fastifyHighloadShutdown', async (t) => {
  t.equal(typeof fastifyHighloadShutdown, 'function')
  t.equal(fastifyHighloadShutdownDefault, fastifyHighloadShutdown)
})

t.test('fastify-plugin metadata', async (t) => {
  const meta = (fastifyHighloadShutdown as unknown as Record<symbol, unknown>)[Symbol.for('plugin-meta')]
  t.match(meta, { name: '@highload/shutdown', fastify: '5.x' })
  t.equal((fastifyHighloadShutdown as unknown as Record<symbol, unknown>)[Symbol.for('skip-override')], true, 'decorates the parent instance')
})

t.test('codes: frozen, one per condition, each with its exported error class', async (t) => {
  t.ok(Object.isFrozen(codes))
  t.same(codes, {
    INVALID_OPTION: 'HL_SHUTDOWN_INVALID_OPTION',
    BUDGET_EXCEEDED: 'HL_SHUTDOWN_BUDGET_EXCEEDED',
    CLOSING: 'HL_SHUTDOWN_CLOSING',
    HOOK_FAILED: 'HL_SHUTDOWN_HOOK_FAILED',
    CLEANUP_TIMEOUT: 'HL_SHUTDOWN_CLEANUP_TIMEOUT',
    HARD_DEADLINE: 'HL_SHUTDOWN_HARD_DEADLINE'
  })
  const errors: Array<[string, { code: string, statusCode?: number }]> = [
    [codes.INVALID_OPTION, new ShutdownInvalidOptionError('gracePeriodMs', '0', 'a positive number')],
    [codes.BUDGET_EXCEEDED, new ShutdownBudgetExceededError('13000 ms > 5000 ms')],
    [codes.CLOSING, new ShutdownClosingError()],
    [codes.HOOK_FAILED, new ShutdownHookFailedError('stopConsumers', { cause: new Error('boom') })],
    [codes.CLEANUP_TIMEOUT, new ShutdownCleanupTimeoutError(5000, 'endPool')],
    [codes.HARD_DEADLINE, new ShutdownHardDeadlineError(29_000, 'closing')]
  ]
  t.same(errors.map(([code]) => code).sort(), Object.values(codes).sort(), 'every code has a class')
  for (const [code, err] of errors) {
    t.equal(err.code, code)
    t.ok(err instanceof Error)
  }
  // Each class is named after its code: HL_SHUTDOWN_HOOK_FAILED -> ShutdownHookFailedError.
  for (const code of Object.values(codes)) {
    const name = code.replace(/^HL_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase()) + 'Error'
    t.equal(typeof (shutdown as Record<string, unknown>)[name], 'function', `${name} is exported`)
  }
  t.equal(new ShutdownInvalidOptionError('a', 'b', 'c').statusCode, 500)
  t.equal(new ShutdownClosingError().statusCode, 503)
  t.equal(new ShutdownHardDeadlineError(1, 'closing').statusCode, 504)
})

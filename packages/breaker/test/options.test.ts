import t from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import { MAX_TIMER_MS } from '@highload/options'
import { BreakerInvalidOptionError, createPolicy, Policy } from '../src/core/index.js'
import { parsePolicyOptions } from '../src/core/options.js'
import breaker from '../src/index.js'

const PREFIX = 'Invalid @highload/breaker option '
const DURATION = 'a number of milliseconds > 0 and <= 2147483647'

function invalid (t: Test, options: unknown, message: RegExp | string): void {
  let err: unknown
  try {
    // eslint-disable-next-line no-new
    new Policy(options as never)
  } catch (e) {
    err = e
  }
  t.ok(err instanceof BreakerInvalidOptionError, `throws for ${String(message)}`)
  t.ok(err instanceof TypeError)
  t.match(err, { code: 'HL_BREAKER_INVALID_OPTION', statusCode: 500, message: typeof message === 'string' ? PREFIX + message : message })
}

t.test('option errors name the option, the value and what is allowed', async (t) => {
  invalid(t, { timeoutMs: -1 }, `timeoutMs: got -1, expected ${DURATION}`)
  invalid(t, { timeoutMs: '100' }, `timeoutMs: got '100', expected ${DURATION}`)
  invalid(t, 'fast', "options: got 'fast', expected an object")
  invalid(t, { name: '' }, "name: got '', expected a non-empty string")
  invalid(t, { breaker: { failureRateThreshold: 0 } }, 'breaker.failureRateThreshold: got 0, expected a number > 0 and <= 100')
  invalid(t, { breaker: { failureRateThreshold: 101 } }, 'breaker.failureRateThreshold: got 101, expected a number > 0 and <= 100')
  invalid(t, { breaker: { windowSize: 2.5 } }, 'breaker.windowSize: got 2.5, expected an integer number from 1 to 1000000')
  invalid(t, { breaker: { windowType: 'sliding' } }, "breaker.windowType: got 'sliding', expected one of 'count', 'time'")
  invalid(t, { breaker: { windowSize: 10, minimumCalls: 20 } }, 'breaker.minimumCalls: got 20, expected at most windowSize (10), or the breaker could never open')
  invalid(t, { breaker: { openMs: 1000, maxOpenMs: 500 } }, 'breaker.maxOpenMs: got 500, expected at least openMs (1000)')
  invalid(t, { breaker: { openMultiplier: 0.5 } }, 'breaker.openMultiplier: got 0.5, expected a number >= 1')
  invalid(t, { breaker: { openJitter: 2 } }, 'breaker.openJitter: got 2, expected a number from 0 to 1')
  invalid(t, { breaker: { minimumCalls: NaN } }, 'breaker.minimumCalls: got NaN, expected an integer number >= 1')
  invalid(t, { breaker: [] }, 'breaker: got [], expected an object or false')
  invalid(t, { retry: { jitter: 'equal' } }, "retry.jitter: got 'equal', expected one of 'full', 'decorrelated', 'none'")
  invalid(t, { retry: { idempotent: 'yes' } }, "retry.idempotent: got 'yes', expected a boolean")
  invalid(t, { retry: { maxAttempts: 0 } }, 'retry.maxAttempts: got 0, expected an integer number from 1 to 100')
  invalid(t, { retry: { baseDelayMs: 1000, maxDelayMs: 500 } }, 'retry.maxDelayMs: got 500, expected at least baseDelayMs (1000)')
  invalid(t, { retry: { budget: { ratio: 2 } } }, 'retry.budget.ratio: got 2, expected a number from 0 to 1')
  invalid(t, { retry: { budget: null } }, 'retry.budget: got null, expected an object or false')
  invalid(t, { bulkhead: { maxConcurrent: 0 } }, 'bulkhead.maxConcurrent: got 0, expected an integer number >= 1')
  invalid(t, { bulkhead: 5 }, 'bulkhead: got 5, expected an object or false')
  invalid(t, { classifyError: 'failure' }, "classifyError: got 'failure', expected a function")
  invalid(t, { timers: {} }, 'timers: got {}, expected a TimerHeap')
  invalid(t, { timers: null }, 'timers: got null, expected a TimerHeap')
})

t.test('unknown keys are refused, with a did-you-mean hint for a near miss', async (t) => {
  invalid(t, { timeout: 100 }, 'timeout: got 100, expected one of the known options; did you mean `timeoutMs`?')
  invalid(t, { breaker: { windowSise: 5 } }, 'breaker.windowSise: got 5, expected one of the known options; did you mean `windowSize`?')
  invalid(t, { retry: { budget: { ratios: 1 } } }, 'retry.budget.ratios: got 1, expected one of the known options; did you mean `ratio`?')
  invalid(t, { bulkhead: { colour: 'red' } }, "bulkhead.colour: got 'red', expected one of the known options (maxConcurrent, retryAfterMs)")
})

t.test('durations are capped at 2^31-1 ms, Node\'s timer limit', async (t) => {
  // Before the options kit, 3e9 ms was accepted and armed a timer that fired after 1 ms.
  invalid(t, { timeoutMs: 3e9 }, `timeoutMs: got 3000000000, expected ${DURATION}`)
  invalid(t, { timeoutMs: Infinity }, `timeoutMs: got Infinity, expected ${DURATION}`)
  invalid(t, { deadlineMs: MAX_TIMER_MS + 1 }, `deadlineMs: got 2147483648, expected ${DURATION}`)
  invalid(t, { breaker: { maxOpenMs: 3e9 } }, `breaker.maxOpenMs: got 3000000000, expected ${DURATION}`)
  invalid(t, { retry: { maxRetryAfterMs: 3e9 } }, 'retry.maxRetryAfterMs: got 3000000000, expected a number of milliseconds from 0 to 2147483647')
  t.equal(parsePolicyOptions({ timeoutMs: MAX_TIMER_MS }).timeoutMs, MAX_TIMER_MS, 'the limit itself is allowed')
})

t.test('defaults are applied and frozen; derived defaults follow the options they derive from', async (t) => {
  const p = createPolicy()
  t.equal(p.name, 'default')
  t.equal(p.state, 'closed')
  t.ok(createPolicy({ timeoutMs: MAX_TIMER_MS, breaker: { failureRateThreshold: 100, openJitter: 1 }, retry: { budget: false } }))
  t.ok(createPolicy(undefined))
  const params = parsePolicyOptions({ retry: {} })
  t.ok(Object.isFrozen(params) && Object.isFrozen(params.breaker) && Object.isFrozen(params.retry))
  t.match(params, {
    name: 'default',
    deadlineMs: Infinity,
    timeoutMs: Infinity,
    maxConcurrent: Infinity,
    classifyError: null,
    classifyResult: null,
    timers: null,
    breaker: { windowType: 'count', windowSize: 100, minimumCalls: 20, slowCallDurationMs: Infinity, openMs: 5000, maxOpenMs: 60_000 },
    retry: { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 5000, jitter: 'full', budget: { ratio: 0.2, minPerSecond: 10, windowMs: 10_000 } }
  })
  t.equal(parsePolicyOptions({ breaker: { openMs: 90_000 } }).breaker?.maxOpenMs, 90_000, 'maxOpenMs: max(60000, openMs)')
  t.equal(parsePolicyOptions({ retry: { baseDelayMs: 8000 } }).retry?.maxDelayMs, 8000, 'maxDelayMs: max(5000, baseDelayMs)')
  t.same(parsePolicyOptions({ bulkhead: {} }), { ...parsePolicyOptions({}), maxConcurrent: 100, bulkheadRetryAfterMs: 1000 })
  t.equal(parsePolicyOptions({ breaker: { windowType: 'time', windowSize: 10, minimumCalls: 20 } }).breaker?.minimumCalls, 20,
    'a time window does not bound minimumCalls by windowSize')
})

t.test('plugin options are validated at registration', async (t) => {
  const cases: Array<[unknown, string | RegExp]> = [
    [{}, 'dependencies: got undefined, expected an object mapping names to an object'],
    [{ dependencies: [] }, 'dependencies: got [], expected an object mapping names to an object'],
    [{ dependencies: { '': {} } }, "dependencies.: got '', expected a non-empty dependency name"],
    [{ dependencies: { pay: 5 } }, 'dependencies.pay: got 5, expected an object'],
    [{ dependencies: { pay: { timeoutMs: 0 } } }, `dependencies.pay.timeoutMs: got 0, expected ${DURATION}`],
    [{ dependencies: { pay: { timeoutMs: 3e9 } } }, `dependencies.pay.timeoutMs: got 3000000000, expected ${DURATION}`],
    [{ dependencies: { pay: { breaker: { windowSise: 5 } } } }, 'dependencies.pay.breaker.windowSise: got 5, expected one of the known options; did you mean `windowSize`?'],
    [{ dependencies: { pay: { breaker: { windowSize: 5 } } } }, 'dependencies.pay.breaker.minimumCalls: got 20, expected at most windowSize (5), or the breaker could never open'],
    [{ dependencies: { pay: { critical: 'yes' } } }, "dependencies.pay.critical: got 'yes', expected a boolean"],
    [{ dependencies: { pay: { maxKeys: 0 } } }, 'dependencies.pay.maxKeys: got 0, expected an integer number >= 1'],
    [{ dependencies: { pay: { name: 'x' } } }, /^Invalid @highload\/breaker option dependencies\.pay\.name: got 'x', expected one of the known options \(deadlineMs, /],
    [{ dependencies: {}, health: 1 }, 'health: got 1, expected a boolean'],
    [{ dependencies: {}, routeDefaults: { deadlineMs: -5 } }, `routeDefaults.deadlineMs: got -5, expected ${DURATION}`],
    [{ dependencies: {}, routeDefaults: { cancelOnDisconnect: 'no' } }, "routeDefaults.cancelOnDisconnect: got 'no', expected a boolean"],
    [{ dependencies: {}, extra: true }, 'extra: got true, expected one of the known options (dependencies, routeDefaults, health)'],
    [{ dependencies: {}, healthy: false }, 'healthy: got false, expected one of the known options; did you mean `health`?']
  ]
  for (const [options, message] of cases) {
    const app = Fastify()
    app.register(breaker, options as never)
    await t.rejects(async () => { await app.ready() }, { code: 'HL_BREAKER_INVALID_OPTION', message: typeof message === 'string' ? PREFIX + message : message })
    await app.close()
  }
})

t.test('route config is validated when the route is added, naming the route', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, { dependencies: {} })
  t.throws(() => app.get('/x', { config: { breaker: { deadlineMs: 'soon' as never } } }, async () => 'x'), {
    code: 'HL_BREAKER_INVALID_OPTION',
    message: `${PREFIX}config.breaker.deadlineMs of route GET /x: got 'soon', expected ${DURATION}`
  })
  t.throws(() => app.post('/y', { config: { breaker: { deadline: 5 } as never } }, async () => 'y'), {
    message: `${PREFIX}config.breaker.deadline of route POST /y: got 5, expected one of the known options; did you mean \`deadlineMs\`?`
  })
  t.throws(() => app.get('/z', { config: { breaker: 'on' as never } }, async () => 'z'), {
    message: `${PREFIX}config.breaker of route GET /z: got 'on', expected an object or false`
  })
})

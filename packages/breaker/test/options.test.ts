import t from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import { createPolicy, InvalidOptionError, Policy } from '../src/core/index.js'
import breaker from '../src/index.js'

function invalid (t: Test, options: unknown, message: RegExp | string): void {
  let err: unknown
  try {
    // eslint-disable-next-line no-new
    new Policy(options as never)
  } catch (e) {
    err = e
  }
  t.ok(err instanceof InvalidOptionError, `throws for ${String(message)}`)
  t.ok(err instanceof TypeError)
  t.match(err, { code: 'HL_BREAKER_INVALID_OPTION', statusCode: 500, message })
}

t.test('option errors name the option, the value and what is allowed', async (t) => {
  invalid(t, { timeoutMs: -1 }, 'Invalid option options.timeoutMs: -1 (expected a number > 0)')
  invalid(t, { timeoutMs: '100' }, "Invalid option options.timeoutMs: '100'")
  invalid(t, { timeout: 100 }, /options\.timeout: 100 \(expected one of the known options: name, deadlineMs/)
  invalid(t, 'fast', "Invalid option options: 'fast' (expected an object)")
  invalid(t, { name: '' }, 'options.name')
  invalid(t, { breaker: { failureRateThreshold: 0 } }, 'options.breaker.failureRateThreshold: 0 (expected a number in (0, 100])')
  invalid(t, { breaker: { failureRateThreshold: 101 } }, 'options.breaker.failureRateThreshold: 101')
  invalid(t, { breaker: { windowSize: 2.5 } }, 'options.breaker.windowSize: 2.5 (expected an integer in [1, 1000000])')
  invalid(t, { breaker: { windowType: 'sliding' } }, "options.breaker.windowType: 'sliding' (expected one of 'count', 'time')")
  invalid(t, { breaker: { windowSize: 10, minimumCalls: 20 } }, 'options.breaker.minimumCalls: 20 (expected at most windowSize (10)')
  invalid(t, { breaker: { openMs: 1000, maxOpenMs: 500 } }, 'options.breaker.maxOpenMs: 500')
  invalid(t, { breaker: { openMultiplier: 0.5 } }, 'options.breaker.openMultiplier: 0.5 (expected a number >= 1)')
  invalid(t, { breaker: { openJitter: 2 } }, 'options.breaker.openJitter: 2 (expected a number in [0, 1])')
  invalid(t, { breaker: { minimumCalls: NaN } }, 'options.breaker.minimumCalls: NaN')
  invalid(t, { breaker: [] }, 'options.breaker: [] (expected an object)')
  invalid(t, { retry: { jitter: 'equal' } }, "options.retry.jitter: 'equal'")
  invalid(t, { retry: { idempotent: 'yes' } }, "options.retry.idempotent: 'yes' (expected a boolean)")
  invalid(t, { retry: { maxAttempts: 0 } }, 'options.retry.maxAttempts: 0')
  invalid(t, { retry: { budget: { ratio: 2 } } }, 'options.retry.budget.ratio: 2 (expected a number in [0, 1])')
  invalid(t, { retry: { budget: null } }, 'options.retry.budget: null (expected an object)')
  invalid(t, { bulkhead: { maxConcurrent: 0 } }, 'options.bulkhead.maxConcurrent: 0')
  invalid(t, { bulkhead: 5 }, 'options.bulkhead: 5 (expected an object)')
  invalid(t, { classifyError: 'failure' }, "options.classifyError: 'failure' (expected a function)")
  invalid(t, { timers: {} }, 'options.timers: {} (expected a TimerHeap)')
  invalid(t, { timers: null }, 'options.timers: null')
})

t.test('defaults are applied and frozen; valid edge values pass', async (t) => {
  const p = createPolicy()
  t.equal(p.name, 'default')
  t.equal(p.state, 'closed')
  t.ok(createPolicy({ timeoutMs: Infinity, breaker: { failureRateThreshold: 100, openJitter: 1 }, retry: { budget: false } }))
  t.ok(createPolicy(undefined))
})

t.test('plugin options are validated at registration', async (t) => {
  const cases: Array<[unknown, string | RegExp]> = [
    [{}, 'options.dependencies: undefined (expected an object mapping dependency names to policies)'],
    [{ dependencies: [] }, 'options.dependencies: []'],
    [{ dependencies: { pay: 5 } }, 'options.dependencies.pay: 5 (expected an object of policy options)'],
    [{ dependencies: { pay: { timeoutMs: 0 } } }, 'options.dependencies.pay.timeoutMs: 0 (expected a number > 0)'],
    [{ dependencies: { pay: { critical: 'yes' } } }, "options.dependencies.pay.critical: 'yes' (expected a boolean)"],
    [{ dependencies: { pay: { maxKeys: 0 } } }, 'options.dependencies.pay.maxKeys: 0'],
    [{ dependencies: {}, health: 1 }, 'options.health: 1 (expected a boolean)'],
    [{ dependencies: {}, routeDefaults: { deadlineMs: -5 } }, 'options.routeDefaults.deadlineMs: -5'],
    [{ dependencies: {}, routeDefaults: { cancelOnDisconnect: 'no' } }, "options.routeDefaults.cancelOnDisconnect: 'no' (expected a boolean)"],
    [{ dependencies: {}, extra: true }, 'options.extra: true (expected one of the known options: dependencies, routeDefaults, health)']
  ]
  for (const [options, message] of cases) {
    const app = Fastify()
    app.register(breaker, options as never)
    await t.rejects(async () => { await app.ready() }, { code: 'HL_BREAKER_INVALID_OPTION', message })
    await app.close()
  }
})

t.test('route config is validated when the route is added', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, { dependencies: {} })
  t.throws(() => app.get('/x', { config: { breaker: { deadlineMs: 'soon' as never } } }, async () => 'x'), {
    code: 'HL_BREAKER_INVALID_OPTION',
    message: "Invalid option config.breaker of route GET /x.deadlineMs: 'soon' (expected a number > 0)"
  })
})

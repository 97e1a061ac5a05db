import t from 'tap'
import {
  MAX_TIMER_MS, boolean, closest, createParser, custom, derived, documentedDefaults, func, integer,
  invalidOptionError, list, ms, number, object, oneOf, optional, orFalse, path, record, required, text, type Rule
} from '../src/index.js'

const TestInvalidOptionError = invalidOptionError('HL_TEST_INVALID_OPTION', '@highload/test')

/** Parses `input` against `rule` as the root of a package's options. */
function parse<T> (rule: Rule<T>, input: unknown): T {
  return createParser(rule, TestInvalidOptionError)(input)
}

/** The message of the error `fn` throws (and checks it is the package's coded TypeError). */
interface Asserts {
  type: (value: unknown, klass: typeof TypeError) => unknown
  equal: (found: unknown, wanted: unknown) => unknown
  fail: (message: string) => unknown
}

function message (t: Asserts, fn: () => unknown): string {
  try {
    fn()
  } catch (err) {
    const e = err as Error & { code?: string, statusCode?: number }
    t.type(e, TypeError)
    t.equal(e.code, 'HL_TEST_INVALID_OPTION')
    t.equal(e.statusCode, 500)
    return e.message
  }
  t.fail('expected a throw')
  return ''
}

t.test('one message shape: package, dotted path, util.inspect value, expectation', async (t) => {
  const rule = object({ nested: object({ windowMs: ms({ default: 10 }) }) })
  t.equal(message(t, () => parse(rule, { nested: { windowMs: 'soon' } })),
    "Invalid @highload/test option nested.windowMs: got 'soon', expected a number of milliseconds from 0 to 2147483647")
  t.equal(message(t, () => parse(rule, { nested: { windowMs: { at: 1 } } })),
    'Invalid @highload/test option nested.windowMs: got { at: 1 }, expected a number of milliseconds from 0 to 2147483647')
  t.equal(message(t, () => parse(rule, 42)), 'Invalid @highload/test option options: got 42, expected an object')
  t.equal(message(t, () => parse(rule, { nested: [] })), 'Invalid @highload/test option nested: got [], expected an object')
})

t.test('unknown keys are always refused, with a did-you-mean hint for a near miss', async (t) => {
  const rule = object({ endpoint: path({ default: '/metrics' }), sloEndpoint: path({ default: '/slo' }) })
  t.equal(message(t, () => parse(rule, { endpont: '/x' })),
    "Invalid @highload/test option endpont: got '/x', expected one of the known options; did you mean `endpoint`?")
  t.equal(message(t, () => parse(rule, { ENDPOINT: '/x' })),
    "Invalid @highload/test option ENDPOINT: got '/x', expected one of the known options; did you mean `endpoint`?")
  t.equal(message(t, () => parse(rule, { colour: 'red' })),
    "Invalid @highload/test option colour: got 'red', expected one of the known options (endpoint, sloEndpoint)")
  t.equal(message(t, () => parse(rule, { toString: 1 })),
    'Invalid @highload/test option toString: got 1, expected one of the known options (endpoint, sloEndpoint)',
    'an inherited property name is not a known option')
  t.equal(closest('ttl', ['ttlMs', 'tags']), undefined, 'short keys need to be within one edit')
  t.equal(closest('tag', ['ttlMs', 'tags']), 'tags')
})

t.test('values are shown bounded, so hostile input cannot make a huge message', async (t) => {
  const rule = object({ name: text() })
  const huge = 'x'.repeat(100_000)
  const msg = message(t, () => parse(rule, { name: { huge } }))
  t.ok(msg.length < 400, `message is ${msg.length} characters`)
  t.match(msg, /more characters/)
  const cyclic: Record<string, unknown> = {}
  cyclic.self = cyclic
  t.match(message(t, () => parse(rule, { name: cyclic })), /<ref \*1>/)
  t.match(message(t, () => parse(rule, { name: () => 1 })), /got \[Function: name\]/)
})

t.test('durations are capped at 2^31-1 ms, Node\'s timer limit', async (t) => {
  const rule = object({ timeoutMs: ms({ above: 0 }), deadlineMs: ms({ min: 1, max: 1e12 }) })
  t.same(parse(rule, { timeoutMs: MAX_TIMER_MS }), { timeoutMs: MAX_TIMER_MS, deadlineMs: undefined })
  t.equal(message(t, () => parse(rule, { timeoutMs: 3e9 })),
    'Invalid @highload/test option timeoutMs: got 3000000000, expected a number of milliseconds > 0 and <= 2147483647')
  t.match(message(t, () => parse(rule, { deadlineMs: MAX_TIMER_MS + 1 })), /from 1 to 2147483647$/, 'a larger max is capped too')
  t.match(message(t, () => parse(rule, { timeoutMs: 0 })), /got 0, expected/)
  t.match(message(t, () => parse(rule, { timeoutMs: Infinity })), /got Infinity/)
  t.match(message(t, () => parse(rule, { timeoutMs: NaN })), /got NaN/)
  t.equal(parse(object({ x: ms({ default: 5, integer: true }) }), {}).x, 5)
  t.match(message(t, () => parse(object({ x: ms({ integer: true }) }), { x: 1.5 })), /an integer number of milliseconds from 0/)
})

t.test('numbers and integers', async (t) => {
  const rule = object({
    ratio: number({ default: 0.2, min: 0, max: 1 }),
    threshold: number({ above: 0, max: 100 }),
    open: number({ min: 0, below: 1 }),
    count: integer({ default: 3, min: 1, max: 100 }),
    floor: integer({ min: 1 })
  })
  t.same(parse(rule, {}), { ratio: 0.2, threshold: undefined, open: undefined, count: 3, floor: undefined })
  t.same(parse(rule, { ratio: 1, threshold: 100, open: 0.5, count: 100, floor: 7 }), { ratio: 1, threshold: 100, open: 0.5, count: 100, floor: 7 })
  t.match(message(t, () => parse(rule, { ratio: 1.5 })), /expected a number from 0 to 1$/)
  t.match(message(t, () => parse(rule, { threshold: 0 })), /expected a number > 0 and <= 100$/)
  t.match(message(t, () => parse(rule, { open: 1 })), /expected a number >= 0 and < 1$/)
  t.match(message(t, () => parse(rule, { count: 2.5 })), /expected an integer number from 1 to 100$/)
  t.match(message(t, () => parse(rule, { floor: 0 })), /expected an integer number >= 1$/)
  t.match(message(t, () => parse(rule, { floor: '3' })), /got '3'/)
})

t.test('booleans, one-of, text, functions and custom predicates', async (t) => {
  const rule = object({
    enabled: boolean({ default: true }),
    mode: oneOf(['count', 'time'], { default: 'count' }),
    only: oneOf(['x']),
    name: text({ default: 'default', pattern: /^[a-z]+$/, expected: 'lower-case letters' }),
    label: text({ maxLength: 3 }),
    classify: func<(e: unknown) => string>(),
    client: custom<{ ping: () => void }>('a client with ping()', (v) => typeof (v as { ping?: unknown }).ping === 'function')
  })
  const ping = (): void => {}
  const parsed = parse(rule, { mode: 'time', client: { ping }, classify: String })
  t.equal(parsed.enabled, true)
  t.equal(parsed.mode, 'time')
  t.equal(parsed.name, 'default')
  t.equal(parsed.classify, String)
  t.equal(parsed.client?.ping, ping)
  t.match(message(t, () => parse(rule, { enabled: 'yes' })), /expected a boolean$/)
  t.match(message(t, () => parse(rule, { mode: 'sliding' })), /expected one of 'count', 'time'$/)
  t.match(message(t, () => parse(rule, { only: 'y' })), /expected 'x'$/)
  t.match(message(t, () => parse(rule, { name: 'Bad' })), /expected lower-case letters$/)
  t.match(message(t, () => parse(rule, { name: '' })), /got '', expected lower-case letters$/)
  t.match(message(t, () => parse(rule, { label: 'long' })), /expected a non-empty string$/)
  t.match(message(t, () => parse(rule, { classify: 'failure' })), /option classify: got 'failure', expected a function$/)
  t.match(message(t, () => parse(rule, { client: {} })), /expected a client with ping\(\)$/)
})

t.test('paths', async (t) => {
  const rule = object({ endpoint: path({ default: '/metrics' }), report: path({ default: false }), fixed: path({ default: '/x', allowFalse: false }) })
  t.same(parse(rule, {}), { endpoint: '/metrics', report: null, fixed: '/x' })
  t.same(parse(rule, { endpoint: false, report: '/r/deep' }), { endpoint: null, report: '/r/deep', fixed: '/x' })
  t.match(message(t, () => parse(rule, { endpoint: 'metrics' })), /expected a path starting with "\/" \(no query, fragment or white space\) or false$/)
  t.match(message(t, () => parse(rule, { endpoint: '/m?x=1' })), /got '\/m\?x=1'/)
  t.match(message(t, () => parse(rule, { fixed: false })), /white space\)$/)
})

t.test('lists: items checked with their index in the path; frozen', async (t) => {
  const rule = object({
    signals: list(oneOf(['SIGTERM', 'SIGINT']), { default: ['SIGTERM'], unique: true }),
    groups: list(text(), { minItems: 1 })
  })
  const parsed = parse(rule, {})
  t.same(parsed.signals, ['SIGTERM'])
  t.equal(parsed.groups, undefined)
  const given = parse(rule, { signals: ['SIGINT'], groups: ['a', 'b'] })
  t.ok(Object.isFrozen(given.signals))
  t.match(message(t, () => parse(rule, { signals: ['SIGTERM', 'SIGKILL'] })), /option signals\[1\]: got 'SIGKILL', expected one of 'SIGTERM', 'SIGINT'$/)
  t.match(message(t, () => parse(rule, { signals: ['SIGINT', 'SIGINT'] })), /expected an array of distinct items, each one of/)
  t.match(message(t, () => parse(rule, { groups: [] })), /expected a non-empty array, each a non-empty string$/)
  t.match(message(t, () => parse(rule, { groups: 'a' })), /got 'a'/)
  t.match(message(t, () => parse(rule, { groups: ['a', undefined] })), /option groups\[1\]: got undefined, expected a non-empty string$/)
  t.match(message(t, () => parse(object({ n: list(integer({ default: 1 })) }), { n: [2, , 3] })), /option n\[1\]: got undefined/, 'a hole never takes the item default') // eslint-disable-line no-sparse-arrays
})

t.test('nested objects: defaults from their keys, refine for cross-field rules and derived values, frozen', async (t) => {
  const breaker = object({
    windowSize: integer({ default: 100, min: 1 }),
    minimumCalls: integer({ default: 20, min: 1 }),
    openMs: ms({ default: 5000, above: 0 }),
    maxOpenMs: ms({ default: derived('max(60000, openMs)'), above: 0 })
  }, {
    refine: (o, fail) => {
      if (o.minimumCalls > o.windowSize) fail('minimumCalls', o.minimumCalls, `at most windowSize (${o.windowSize})`)
      return { ...o, maxOpenMs: o.maxOpenMs ?? Math.max(60_000, o.openMs) }
    }
  })
  const rule = object({ breaker: orFalse(breaker), retry: orFalse(object({ maxAttempts: integer({ default: 3 }) }), { default: false }) })
  const parsed = parse(rule, {})
  t.same(parsed, { breaker: { windowSize: 100, minimumCalls: 20, openMs: 5000, maxOpenMs: 60_000 }, retry: null })
  t.ok(Object.isFrozen(parsed) && Object.isFrozen(parsed.breaker))
  t.equal(parse(rule, { breaker: { openMs: 90_000 } }).breaker?.maxOpenMs, 90_000)
  t.equal(parse(rule, { breaker: false }).breaker, null)
  t.same(parse(rule, { retry: {} }).retry, { maxAttempts: 3 })
  t.equal(message(t, () => parse(rule, { breaker: { windowSize: 5 } })),
    'Invalid @highload/test option breaker.minimumCalls: got 20, expected at most windowSize (5)')
  t.equal(message(t, () => parse(rule, { breaker: 'on' })), "Invalid @highload/test option breaker: got 'on', expected an object or false")
  t.match(message(t, () => parse(rule, { breaker: { windowSise: 5 } })), /option breaker.windowSise: got 5, .*did you mean `windowSize`\?$/)
  t.match(message(t, () => parse(rule, { breaker: { openMs: -1 } })), /option breaker.openMs: got -1, expected a number of milliseconds > 0 and <= 2147483647$/,
    'a nested key\'s message is not given "or false"')
})

t.test('optional, required and records', async (t) => {
  const policy = object({ timeoutMs: optional(ms({ above: 0 })), critical: boolean({ default: false }) })
  const rule = object({
    dependencies: required(record(policy, { key: /^[a-z]+$/, keyExpected: 'a lower-case name' })),
    routeDefaults: optional(object({ deadlineMs: ms() }))
  })
  const parsed = parse(rule, { dependencies: { payments: { timeoutMs: 100 }, search: {} } })
  t.same(parsed.dependencies, { payments: { timeoutMs: 100, critical: false }, search: { timeoutMs: undefined, critical: false } })
  t.equal(parsed.routeDefaults, undefined)
  t.same(parse(rule, { dependencies: {}, routeDefaults: {} }).routeDefaults, { deadlineMs: undefined })
  t.match(message(t, () => parse(rule, {})), /option dependencies: got undefined, expected an object mapping names to an object$/)
  t.match(message(t, () => parse(rule, { dependencies: [] })), /option dependencies: got \[\]/)
  t.match(message(t, () => parse(rule, { dependencies: { Pay: {} } })), /option dependencies.Pay: got 'Pay', expected a lower-case name$/)
  t.match(message(t, () => parse(rule, { dependencies: { pay: { timeoutMs: 3e9 } } })), /option dependencies.pay.timeoutMs: got 3000000000/)
  t.same(parse(object({ map: record(integer()) }), {}).map, {}, 'an absent record is empty')
})

t.test('null and undefined stand for no options; a path prefix names a nested parser', async (t) => {
  const rule = object({ a: integer({ default: 1 }) })
  t.same(parse(rule, undefined), { a: 1 })
  t.same(parse(rule, null), { a: 1 })
  const nested = createParser(rule, TestInvalidOptionError)
  t.throws(() => nested({ a: 'x' }, 'checks.db'), { message: "Invalid @highload/test option checks.db.a: got 'x', expected an integer number" })
})

t.test('documentedDefaults lists what each README row must say, by dotted path', async (t) => {
  const rule = object({
    name: text({ default: 'default' }),
    timeoutMs: optional(ms()),
    dependencies: required(record(integer())),
    classify: func({ doc: "every error is a 'failure'" }),
    signals: list(text(), { default: ['SIGTERM', 'SIGINT'] }),
    retry: orFalse(object({ maxAttempts: integer({ default: 3 }), budget: object({ ratio: number({ default: 0.2 }) }) }), { default: false }),
    breaker: orFalse(object({ windowSize: integer({ default: 100 }), maxOpenMs: ms({ default: derived('max(60000, openMs)') }) }))
  })
  const docs = Object.fromEntries(documentedDefaults(rule))
  t.same(docs, {
    name: { kind: 'texts', texts: ["'default'"] },
    timeoutMs: { kind: 'none' },
    dependencies: { kind: 'required' },
    classify: { kind: 'texts', texts: ["every error is a 'failure'"] },
    signals: { kind: 'texts', texts: ["['SIGTERM', 'SIGINT']"] },
    retry: { kind: 'texts', texts: ['false'] },
    'retry.maxAttempts': { kind: 'texts', texts: ['3'] },
    'retry.budget': { kind: 'texts', texts: ['{}', '{ ratio: 0.2 }'] },
    'retry.budget.ratio': { kind: 'texts', texts: ['0.2'] },
    breaker: { kind: 'texts', texts: ['{}', '{ windowSize: 100, maxOpenMs: max(60000, openMs) }'] },
    'breaker.windowSize': { kind: 'texts', texts: ['100'] },
    'breaker.maxOpenMs': { kind: 'texts', texts: ['max(60000, openMs)'] }
  })
})

t.test('render writes defaults as a README does', async (t) => {
  const { render } = await import('../src/index.js')
  t.equal(render({ ratio: 0.2, mode: 'full', on: true, list: [1, 'a'], none: null, deep: {} }), "{ ratio: 0.2, mode: 'full', on: true, list: [1, 'a'], none: null, deep: {} }")
  t.equal(render(10000), '10000')
  const rule = object({ on: boolean({ default: false }), off: boolean(), any: custom<number>('a number', (v) => typeof v === 'number', { default: 5, doc: 'five' }) })
  t.same(parse(rule, { on: true, off: false }), { on: true, off: false, any: 5 })
  t.same(Object.fromEntries(documentedDefaults(rule)), {
    on: { kind: 'texts', texts: ['false'] },
    off: { kind: 'none' },
    any: { kind: 'texts', texts: ['five'] }
  })
})

t.test('rules without options, and documented wording given in code', async (t) => {
  const rule = object({
    n: number(),
    items: list(integer()),
    policy: optional(object({ a: integer({ default: 1 }) }, { doc: 'the defaults' }), { doc: 'unset: no policy' })
  })
  t.same(parse(rule, { n: 1.5, items: [1, 2] }), { n: 1.5, items: [1, 2], policy: undefined })
  t.same(parse(rule, { policy: {} }).policy, { a: 1 })
  t.same(Object.fromEntries(documentedDefaults(rule)), {
    n: { kind: 'none' },
    items: { kind: 'none' },
    policy: { kind: 'texts', texts: ['unset: no policy'] },
    'policy.a': { kind: 'texts', texts: ['1'] }
  })
  t.same(object({}, { doc: 'the defaults' }).documented, { kind: 'texts', texts: ['the defaults'] })
})

t.test('toggle: true, false or an object', async (t) => {
  const { toggle } = await import('../src/index.js')
  const rule = object({
    lease: toggle(object({ waitMs: ms({ default: 5000 }) }), { default: false }),
    health: toggle(object({ critical: boolean({ default: false }) }), { default: true })
  })
  t.same(parse(rule, {}), { lease: null, health: { critical: false } })
  t.same(parse(rule, { lease: true, health: false }), { lease: { waitMs: 5000 }, health: null })
  t.same(parse(rule, { lease: { waitMs: 10 }, health: { critical: true } }), { lease: { waitMs: 10 }, health: { critical: true } })
  t.equal(message(t, () => parse(rule, { lease: 'yes' })), "Invalid @highload/test option lease: got 'yes', expected true, false or an object")
  t.match(message(t, () => parse(rule, { health: { critcal: true } })), /option health.critcal: got true, .*did you mean `critical`\?$/)
  t.same(Object.fromEntries(documentedDefaults(rule)), {
    lease: { kind: 'texts', texts: ['false'] },
    'lease.waitMs': { kind: 'texts', texts: ['5000'] },
    health: { kind: 'texts', texts: ['true'] },
    'health.critical': { kind: 'texts', texts: ['false'] }
  })
})

import Fastify from 'fastify'
import tap from 'tap'
import { parseOptions } from '../src/options.js'
import metrics, { CLASSIC_BUCKETS, OTEL_BUCKETS, type FastifyHighloadMetricsOptions } from '../src/index.js'

const sli = { kind: 'availability' } as const

tap.test('defaults', async (t) => {
  const p = parseOptions(undefined)
  t.same({ ...p, buckets: [...p.buckets] }, {
    endpoint: '/metrics',
    sloEndpoint: '/slo',
    preset: 'otel',
    timing: null,
    buckets: OTEL_BUCKETS,
    maxSeries: 2000,
    cacheMs: 1000,
    runtimeMetrics: true,
    suiteEvents: true,
    evaluationIntervalMs: 5000,
    slos: []
  })
  t.ok(Object.isFrozen(p))
  t.same(parseOptions({ preset: 'classic' }).buckets, CLASSIC_BUCKETS)
  t.equal(parseOptions({ timing: 'hooks' }).timing, 'hooks')
})

tap.test('SLO defaults: the workbook windows scaled to the period, 5xx bad', async (t) => {
  const [slo] = parseOptions({ slos: [{ name: 'a', target: 0.999, sli }] }).slos
  t.match(slo, { name: 'a', target: 0.999, budget: 0.001, periodDays: 30, periodMs: 30 * 86_400_000, kind: 'availability', thresholdMs: Infinity, routes: null, methods: null, hysteresis: 0.1, description: '' })
  t.same(slo?.alerts, [
    { severity: 'page', longMs: 3_600_000, shortMs: 300_000, burnRate: 14.4 },
    { severity: 'page', longMs: 21_600_000, shortMs: 1_800_000, burnRate: 6 },
    { severity: 'ticket', longMs: 86_400_000, shortMs: 7_200_000, burnRate: 3 },
    { severity: 'ticket', longMs: 259_200_000, shortMs: 21_600_000, burnRate: 1 }
  ])
  t.ok(Object.isFrozen(slo) && Object.isFrozen(slo?.alerts))
  const o = slo?.outcomes as Uint8Array
  t.same([o[0], o[1], o[200], o[404], o[429], o[499], o[500], o[599]], [1, 1, 0, 0, 0, 0, 1, 1])
  const [off] = parseOptions({ slos: [{ name: 'a', target: 0.9, sli, alerting: false, abortedIsBad: false, timeoutIsBad: false, badStatus: ['4xx', 503] }] }).slos
  t.same(off?.alerts, [])
  t.equal(off?.hysteresis, 0.1)
  t.equal(parseOptions({ slos: [{ name: 'a', target: 0.9, sli, alerting: { hysteresis: 0.25 } }] }).slos[0]?.hysteresis, 0.25)
  const p = off?.outcomes as Uint8Array
  t.same([p[0], p[1], p[400], p[499], p[500], p[503]], [2, 2, 1, 1, 0, 1])
  const [short] = parseOptions({ slos: [{ name: 'a', target: 0.99, sli, periodDays: 2 }] }).slos
  t.same(short?.alerts.map((a) => [a.longMs, a.burnRate]), [[3_600_000, 0.96], [21_600_000, 0.4], [86_400_000, 0.2]], 'windows longer than the period are dropped; burn rates scale')
})

tap.test('windows longer than Node\'s timer limit are allowed up to the period', async (t) => {
  const window = { severity: 'ticket', longWindowMs: 30 * 86_400_000, shortWindowMs: 3 * 86_400_000, burnRate: 1 } as const
  const [slo] = parseOptions({ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [window] } }] }).slos
  t.same(slo?.alerts, [{ severity: 'ticket', longMs: 2_592_000_000, shortMs: 259_200_000, burnRate: 1 }])
})

tap.test('latency thresholds are inserted into the buckets', async (t) => {
  const p = parseOptions({
    slos: [
      { name: 'a', target: 0.9, sli: { kind: 'latency', thresholdMs: 300 } },
      { name: 'b', target: 0.9, sli: { kind: 'latency', thresholdMs: 100 } }
    ]
  })
  t.same(p.buckets, [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5, 7.5, 10])
  t.same(parseOptions({ buckets: [1, 2], slos: [{ name: 'a', target: 0.9, sli: { kind: 'latency', thresholdMs: 1500 } }] }).buckets, [1, 1.5, 2])
})

tap.test('coded option errors, in the kit\'s message shape', async (t) => {
  const option = (path: string, got: string, expected: string): string => `Invalid @highload/metrics option ${path}: got ${got}, expected ${expected}`
  const window = (extra: object) => ({ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [{ severity: 'page', longWindowMs: 60_000, shortWindowMs: 10_000, burnRate: 1, ...extra }] } }] })
  const at = 'slos[0].alerting.windows[0]'
  const invalid: Array<[unknown, string]> = [
    ['nope', option('options', "'nope'", 'an object')],
    [{ preset: 'x' }, option('preset', "'x'", "one of 'otel', 'classic'")],
    [{ timing: 'onResponse' }, option('timing', "'onResponse'", "one of 'server', 'hooks'")],
    [{ endpoint: 'metrics' }, option('endpoint', "'metrics'", 'a path starting with "/" (no query, fragment or white space) or false')],
    [{ endpoint: '/m', sloEndpoint: '/m' }, option('sloEndpoint', "'/m'", 'a path different from endpoint')],
    [{ maxSeries: 0 }, option('maxSeries', '0', 'an integer number from 1 to 1000000')],
    [{ cacheMs: -1 }, option('cacheMs', '-1', 'a number of milliseconds from 0 to 2147483647')],
    [{ cacheMs: 2 ** 31 }, option('cacheMs', '2147483648', 'a number of milliseconds from 0 to 2147483647')],
    [{ runtimeMetrics: 'yes' }, option('runtimeMetrics', "'yes'", 'a boolean')],
    [{ evaluationIntervalMs: 10 }, option('evaluationIntervalMs', '10', 'an integer number of milliseconds from 100 to 86400000')],
    [{ evaluationIntervalMs: 100.5 }, option('evaluationIntervalMs', '100.5', 'an integer number of milliseconds from 100 to 86400000')],
    [{ buckets: [] }, option('buckets', '[]', 'a non-empty array, each a number > 0')],
    [{ buckets: [1, 1] }, option('buckets', '[ 1, 1 ]', 'a strictly increasing array of bounds in seconds')],
    [{ buckets: [0, 1] }, option('buckets[0]', '0', 'a number > 0')],
    [{ slos: {} }, option('slos', '{}', 'an array, each an object')],
    [{ slos: [null] }, option('slos[0]', 'null', 'an object')],
    [{ slos: [{ name: 'has space', target: 0.9, sli }] }, option('slos[0].name', "'has space'", 'a name of letters, digits, "_" and "-" (at most 63 characters)')],
    [{ slos: [{ target: 0.9, sli }] }, option('slos[0].name', 'undefined', 'a name of letters, digits, "_" and "-" (at most 63 characters)')],
    [{ slos: [{ name: 'a', target: 0.9, sli: { kind: 'errors' } }] }, option('slos[0].sli', "{ kind: 'errors' }", "{ kind: 'availability' } or { kind: 'latency', thresholdMs }")],
    [{ slos: [{ name: 'a', target: 0.9 }] }, option('slos[0].sli', 'undefined', "{ kind: 'availability' } or { kind: 'latency', thresholdMs }")],
    [{ slos: [{ name: 'a', target: 0.9, sli, periodDays: 0 }] }, option('slos[0].periodDays', '0', 'an integer number from 1 to 90')],
    [{ slos: [{ name: 'a', target: 0.9, sli, periodDays: 1.5 }] }, option('slos[0].periodDays', '1.5', 'an integer number from 1 to 90')],
    [{ slos: [{ name: 'a', target: 0.9, sli, description: 1 }] }, option('slos[0].description', '1', 'a string')],
    [{ slos: [{ name: 'a', target: 0.9, sli, routes: '/x' }] }, option('slos[0].routes', "'/x'", 'an array, each a string or a RegExp')],
    [{ slos: [{ name: 'a', target: 0.9, sli, routes: [1] }] }, option('slos[0].routes[0]', '1', 'a string or a RegExp')],
    [{ slos: [{ name: 'a', target: 0.9, sli, methods: [] }] }, option('slos[0].methods', '[]', 'a non-empty array, each an HTTP method name')],
    [{ slos: [{ name: 'a', target: 0.9, sli, methods: [''] }] }, option('slos[0].methods[0]', "''", 'an HTTP method name')],
    [{ slos: [{ name: 'a', target: 0.9, sli, badStatus: 500 }] }, option('slos[0].badStatus', '500', 'an array of status codes and classes, or a function')],
    [{ slos: [{ name: 'a', target: 0.9, sli, badStatus: [600] }] }, option('slos[0].badStatus[0]', '600', 'a status code from 100 to 599 or a class such as "5xx"')],
    [{ slos: [{ name: 'a', target: 0.9, sli, badStatus: ['6xx'] }] }, option('slos[0].badStatus[0]', "'6xx'", 'a status code from 100 to 599 or a class such as "5xx"')],
    [{ slos: [{ name: 'a', target: 0.9, sli, abortedIsBad: 1 }] }, option('slos[0].abortedIsBad', '1', 'a boolean')],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: true }] }, option('slos[0].alerting', 'true', 'an object or false')],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { hysteresis: 1 } }] }, option('slos[0].alerting.hysteresis', '1', 'a number >= 0 and < 1')],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: {} } }] }, option('slos[0].alerting.windows', '{}', 'an array, each an object')],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [1] } }] }, option(at, '1', 'an object')],
    [window({ severity: 'low' }), option(`${at}.severity`, "'low'", "one of 'page', 'ticket'")],
    [window({ longWindowMs: undefined }), option(`${at}.longWindowMs`, 'undefined', 'an integer number >= 10000')],
    [window({ longWindowMs: 2 * 86_400_000, periodDays: undefined }), option(`${at}.periodDays`, 'undefined', 'one of the known options (severity, longWindowMs, shortWindowMs, burnRate)')],
    [{ slos: [{ name: 'a', target: 0.9, sli, periodDays: 1, alerting: { windows: [{ severity: 'page', longWindowMs: 2 * 86_400_000, shortWindowMs: 10_000, burnRate: 1 }] } }] },
      option(`${at}.longWindowMs`, '172800000', 'an integer number from 10000 to 86400000 (the period)')],
    [window({ shortWindowMs: 60_000 }), option(`${at}.shortWindowMs`, '60000', 'an integer number from 10000 to 59999')],
    [window({ shortWindowMs: undefined }), option(`${at}.shortWindowMs`, 'undefined', 'an integer number >= 10000')],
    [window({ burnRate: 0 }), option(`${at}.burnRate`, '0', 'a number > 0')]
  ]
  for (const [input, message] of invalid) {
    t.throws(() => parseOptions(input), { code: 'HL_METRICS_INVALID_OPTION', message }, message)
  }
  const err = (() => { try { parseOptions({ maxSeries: 0 }) } catch (e) { return e } })()
  t.ok(err instanceof TypeError, 'option errors are TypeErrors')
  t.match(err, { statusCode: 500 })
})

tap.test('target, threshold and duplicate names keep their own codes', async (t) => {
  const coded: Array<[unknown, string, string]> = [
    [{ slos: [{ name: 'a', target: 1, sli }] }, 'HL_METRICS_INVALID_TARGET', 'SLO a: target must be a number strictly between 0 and 1 (for example 0.999), got 1'],
    [{ slos: [{ name: 'a', target: 0, sli }] }, 'HL_METRICS_INVALID_TARGET', 'SLO a: target must be a number strictly between 0 and 1 (for example 0.999), got 0'],
    [{ slos: [{ name: 'a', target: '0.9', sli }] }, 'HL_METRICS_INVALID_TARGET', "SLO a: target must be a number strictly between 0 and 1 (for example 0.999), got '0.9'"],
    [{ slos: [{ name: 'a', sli }] }, 'HL_METRICS_INVALID_TARGET', 'SLO a: target must be a number strictly between 0 and 1 (for example 0.999), got undefined'],
    [{ slos: [{ name: 'a', target: 0.9, sli: { kind: 'latency', thresholdMs: 0 } }] }, 'HL_METRICS_INVALID_THRESHOLD', 'SLO a: sli.thresholdMs must be a positive finite number of milliseconds, got 0'],
    [{ slos: [{ name: 'a', target: 0.9, sli: { kind: 'latency', thresholdMs: Infinity } }] }, 'HL_METRICS_INVALID_THRESHOLD', 'SLO a: sli.thresholdMs must be a positive finite number of milliseconds, got Infinity'],
    [{ slos: [{ name: 'a', target: 0.9, sli: { kind: 'latency' } }] }, 'HL_METRICS_INVALID_THRESHOLD', 'SLO a: sli.thresholdMs must be a positive finite number of milliseconds, got undefined'],
    [{ slos: [{ name: 'a', target: 0.9, sli }, { name: 'a', target: 0.99, sli }] }, 'HL_METRICS_DUPLICATE_SLO', 'Duplicate SLO name a: every SLO needs a unique name']
  ]
  for (const [input, code, message] of coded) {
    t.throws(() => parseOptions(input), { code, message, statusCode: 500 }, message)
  }
})

tap.test('unknown keys are refused everywhere, with a did-you-mean hint', async (t) => {
  const unknown = (path: string, got: string, hint: string): string =>
    `Invalid @highload/metrics option ${path}: got ${got}, expected one of the known options; did you mean \`${hint}\`?`
  const cases: Array<[unknown, string]> = [
    [{ endpont: '/x' }, unknown('endpont', "'/x'", 'endpoint')],
    [{ slos: [{ nme: 'a', target: 0.9, sli }] }, unknown('slos[0].nme', "'a'", 'name')],
    [{ slos: [{ name: 'a', target: 0.9, sli: { kind: 'latency', threshold: 300 } }] }, unknown('slos[0].sli.threshold', '300', 'thresholdMs')],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { hysterisis: 0.2 } }] }, unknown('slos[0].alerting.hysterisis', '0.2', 'hysteresis')],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [{ severity: 'page', longWindowMs: 60_000, shortWindowMs: 10_000, burnrate: 2 }] } }] },
      unknown('slos[0].alerting.windows[0].burnrate', '2', 'burnRate')]
  ]
  for (const [input, message] of cases) t.throws(() => parseOptions(input), { code: 'HL_METRICS_INVALID_OPTION', message }, message)
  t.throws(() => parseOptions({ slos: [{ name: 'a', target: 0.9, sli: { kind: 'availability', thresholdMs: 300 } }] }), {
    message: 'Invalid @highload/metrics option slos[0].sli.thresholdMs: got 300, expected one of the known options (kind)'
  }, 'a threshold on an availability SLI is refused, not ignored')
})

tap.test('a misspelt option fails registration (before the options kit, it was ignored)', async (t) => {
  const spelt = Fastify()
  t.teardown(() => spelt.close())
  await spelt.register(metrics, { endpoint: '/x', runtimeMetrics: false })
  await spelt.ready()
  t.equal((await spelt.inject('/x')).statusCode, 200, 'spelt right: the exposition moves to /x')

  // Before: `{ endpont: '/x' }` registered, and the exposition stayed at /metrics unnoticed.
  const typo = Fastify()
  t.teardown(() => typo.close())
  const options: object = { endpont: '/x', runtimeMetrics: false }
  await t.rejects(async () => { await typo.register(metrics, options as FastifyHighloadMetricsOptions) }, {
    code: 'HL_METRICS_INVALID_OPTION',
    message: "Invalid @highload/metrics option endpont: got '/x', expected one of the known options; did you mean `endpoint`?"
  })
})

tap.test('route matchers: exact templates, globs and RegExps', async (t) => {
  const [slo] = parseOptions({ slos: [{ name: 'a', target: 0.9, sli, routes: ['/exact', '/api/*/items', /^\/re\/(a|b)$/g], methods: ['get'] }] }).slos
  const match = slo?.routes as (u: string) => boolean
  t.same(['/exact', '/exact/', '/api/v1/items', '/api/items', '/re/a', '/re/a', '/re/c', '/x.y'].map(match), [true, false, true, false, true, true, false, false])
  t.same([...(slo?.methods ?? [])], ['GET'])
  const [dot] = parseOptions({ slos: [{ name: 'b', target: 0.9, sli, routes: ['/a.b*'] }] }).slos
  t.same(['/a.b', '/a.bc', '/aXb'].map(dot?.routes as (u: string) => boolean), [true, true, false])
})

import tap from 'tap'
import { normalizeOptions } from '../src/options.js'
import { CLASSIC_BUCKETS, OTEL_BUCKETS } from '../src/index.js'

const sli = { kind: 'availability' } as const

tap.test('defaults', async (t) => {
  const p = normalizeOptions(undefined)
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
  t.same(normalizeOptions({ preset: 'classic' }).buckets, CLASSIC_BUCKETS)
  t.equal(normalizeOptions({ timing: 'hooks' }).timing, 'hooks')
})

tap.test('SLO defaults: the workbook windows scaled to the period, 5xx bad', async (t) => {
  const [slo] = normalizeOptions({ slos: [{ name: 'a', target: 0.999, sli }] }).slos
  t.match(slo, { name: 'a', target: 0.999, budget: 0.001, periodDays: 30, periodMs: 30 * 86_400_000, kind: 'availability', thresholdMs: Infinity, routes: null, methods: null, hysteresis: 0.1, description: '' })
  t.same(slo?.alerts, [
    { severity: 'page', longMs: 3_600_000, shortMs: 300_000, burnRate: 14.4 },
    { severity: 'page', longMs: 21_600_000, shortMs: 1_800_000, burnRate: 6 },
    { severity: 'ticket', longMs: 86_400_000, shortMs: 7_200_000, burnRate: 3 },
    { severity: 'ticket', longMs: 259_200_000, shortMs: 21_600_000, burnRate: 1 }
  ])
  const o = slo?.outcomes as Uint8Array
  t.same([o[0], o[1], o[200], o[404], o[429], o[499], o[500], o[599]], [1, 1, 0, 0, 0, 0, 1, 1])
  const [off] = normalizeOptions({ slos: [{ name: 'a', target: 0.9, sli, alerting: false, abortedIsBad: false, timeoutIsBad: false, badStatus: ['4xx', 503] }] }).slos
  t.same(off?.alerts, [])
  t.equal(normalizeOptions({ slos: [{ name: 'a', target: 0.9, sli, alerting: { hysteresis: 0.25 } }] }).slos[0]?.hysteresis, 0.25)
  const p = off?.outcomes as Uint8Array
  t.same([p[0], p[1], p[400], p[499], p[500], p[503]], [2, 2, 1, 1, 0, 1])
})

tap.test('latency thresholds are inserted into the buckets', async (t) => {
  const p = normalizeOptions({
    slos: [
      { name: 'a', target: 0.9, sli: { kind: 'latency', thresholdMs: 300 } },
      { name: 'b', target: 0.9, sli: { kind: 'latency', thresholdMs: 100 } }
    ]
  })
  t.same(p.buckets, [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.3, 0.5, 0.75, 1, 2.5, 5, 7.5, 10])
  t.same(normalizeOptions({ buckets: [1, 2], slos: [{ name: 'a', target: 0.9, sli: { kind: 'latency', thresholdMs: 1500 } }] }).buckets, [1, 1.5, 2])
})

tap.test('coded option errors', async (t) => {
  const bad: Array<[unknown, string, RegExp?]> = [
    ['nope', 'HL_METRICS_INVALID_OPTION', /options: got 'nope'/],
    [{ preset: 'x' }, 'HL_METRICS_INVALID_OPTION', /preset/],
    [{ timing: 'onResponse' }, 'HL_METRICS_INVALID_OPTION', /timing: got 'onResponse', expected "server" or "hooks"/],
    [{ endpoint: 'metrics' }, 'HL_METRICS_INVALID_OPTION', /endpoint/],
    [{ endpoint: '/m', sloEndpoint: '/m' }, 'HL_METRICS_INVALID_OPTION', /sloEndpoint/],
    [{ maxSeries: 0 }, 'HL_METRICS_INVALID_OPTION', /maxSeries: got 0, expected an integer from 1/],
    [{ cacheMs: -1 }, 'HL_METRICS_INVALID_OPTION', /cacheMs/],
    [{ runtimeMetrics: 'yes' }, 'HL_METRICS_INVALID_OPTION', /runtimeMetrics/],
    [{ evaluationIntervalMs: 10 }, 'HL_METRICS_INVALID_OPTION', /evaluationIntervalMs/],
    [{ buckets: [] }, 'HL_METRICS_INVALID_OPTION', /buckets/],
    [{ buckets: [1, 1] }, 'HL_METRICS_INVALID_OPTION', /strictly increasing/],
    [{ buckets: [0, 1] }, 'HL_METRICS_INVALID_OPTION', /buckets/],
    [{ slos: {} }, 'HL_METRICS_INVALID_OPTION', /slos/],
    [{ slos: [null] }, 'HL_METRICS_INVALID_OPTION', /slos\[0\]/],
    [{ slos: [{ name: 'has space', target: 0.9, sli }] }, 'HL_METRICS_INVALID_OPTION', /slos\[0\]\.name/],
    [{ slos: [{ name: 'a', target: 1, sli }] }, 'HL_METRICS_INVALID_TARGET', /SLO a: target must be a number strictly between 0 and 1.*got 1/],
    [{ slos: [{ name: 'a', target: 0, sli }] }, 'HL_METRICS_INVALID_TARGET'],
    [{ slos: [{ name: 'a', target: '0.9', sli }] }, 'HL_METRICS_INVALID_TARGET'],
    [{ slos: [{ name: 'a', target: 0.9, sli: { kind: 'latency', thresholdMs: 0 } }] }, 'HL_METRICS_INVALID_THRESHOLD', /SLO a: sli\.thresholdMs.*got 0/],
    [{ slos: [{ name: 'a', target: 0.9, sli: { kind: 'latency', thresholdMs: Infinity } }] }, 'HL_METRICS_INVALID_THRESHOLD'],
    [{ slos: [{ name: 'a', target: 0.9, sli: { kind: 'latency' } }] }, 'HL_METRICS_INVALID_THRESHOLD'],
    [{ slos: [{ name: 'a', target: 0.9, sli }, { name: 'a', target: 0.99, sli }] }, 'HL_METRICS_DUPLICATE_SLO', /Duplicate SLO name a/],
    [{ slos: [{ name: 'a', target: 0.9, sli: { kind: 'errors' } }] }, 'HL_METRICS_INVALID_OPTION', /slos\[0\]\.sli/],
    [{ slos: [{ name: 'a', target: 0.9, sli, periodDays: 0 }] }, 'HL_METRICS_INVALID_OPTION', /periodDays/],
    [{ slos: [{ name: 'a', target: 0.9, sli, periodDays: 1.5 }] }, 'HL_METRICS_INVALID_OPTION', /periodDays/],
    [{ slos: [{ name: 'a', target: 0.9, sli, description: 1 }] }, 'HL_METRICS_INVALID_OPTION', /description/],
    [{ slos: [{ name: 'a', target: 0.9, sli, routes: '/x' }] }, 'HL_METRICS_INVALID_OPTION', /routes/],
    [{ slos: [{ name: 'a', target: 0.9, sli, routes: [1] }] }, 'HL_METRICS_INVALID_OPTION', /routes\[0\]/],
    [{ slos: [{ name: 'a', target: 0.9, sli, methods: [] }] }, 'HL_METRICS_INVALID_OPTION', /methods/],
    [{ slos: [{ name: 'a', target: 0.9, sli, badStatus: 500 }] }, 'HL_METRICS_INVALID_OPTION', /badStatus/],
    [{ slos: [{ name: 'a', target: 0.9, sli, badStatus: [600] }] }, 'HL_METRICS_INVALID_OPTION', /badStatus\[0\]/],
    [{ slos: [{ name: 'a', target: 0.9, sli, badStatus: ['6xx'] }] }, 'HL_METRICS_INVALID_OPTION', /badStatus\[0\]/],
    [{ slos: [{ name: 'a', target: 0.9, sli, abortedIsBad: 1 }] }, 'HL_METRICS_INVALID_OPTION', /abortedIsBad/],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: true }] }, 'HL_METRICS_INVALID_OPTION', /alerting/],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { hysteresis: 1 } }] }, 'HL_METRICS_INVALID_OPTION', /hysteresis/],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: {} } }] }, 'HL_METRICS_INVALID_OPTION', /windows/],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [1] } }] }, 'HL_METRICS_INVALID_OPTION', /windows\[0\]/],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [{ severity: 'low', longWindowMs: 60_000, shortWindowMs: 10_000, burnRate: 1 }] } }] }, 'HL_METRICS_INVALID_OPTION', /severity/],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [{ severity: 'page', shortWindowMs: 10_000, burnRate: 1 }] } }] }, 'HL_METRICS_INVALID_OPTION', /longWindowMs/],
    [{ slos: [{ name: 'a', target: 0.9, sli, periodDays: 1, alerting: { windows: [{ severity: 'page', longWindowMs: 2 * 86_400_000, shortWindowMs: 10_000, burnRate: 1 }] } }] }, 'HL_METRICS_INVALID_OPTION', /longWindowMs/],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [{ severity: 'page', longWindowMs: 60_000, shortWindowMs: 60_000, burnRate: 1 }] } }] }, 'HL_METRICS_INVALID_OPTION', /shortWindowMs/],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [{ severity: 'page', longWindowMs: 60_000, burnRate: 1 }] } }] }, 'HL_METRICS_INVALID_OPTION', /shortWindowMs: got undefined/],
    [{ slos: [{ name: 'a', target: 0.9, sli, alerting: { windows: [{ severity: 'page', longWindowMs: 60_000, shortWindowMs: 10_000, burnRate: 0 }] } }] }, 'HL_METRICS_INVALID_OPTION', /burnRate/]
  ]
  for (const [input, code, message] of bad) {
    t.throws(() => normalizeOptions(input), { code, ...(message === undefined ? {} : { message }) }, JSON.stringify(input))
  }
  const err = (() => { try { normalizeOptions({ maxSeries: 0 }) } catch (e) { return e } })()
  t.ok(err instanceof TypeError, 'option errors are TypeErrors')
  t.match(err, { statusCode: 500 })
})

tap.test('route matchers: exact templates, globs and RegExps', async (t) => {
  const [slo] = normalizeOptions({ slos: [{ name: 'a', target: 0.9, sli, routes: ['/exact', '/api/*/items', /^\/re\/(a|b)$/g], methods: ['get'] }] }).slos
  const match = slo?.routes as (u: string) => boolean
  t.same(['/exact', '/exact/', '/api/v1/items', '/api/items', '/re/a', '/re/a', '/re/c', '/x.y'].map(match), [true, false, true, false, true, true, false, false])
  t.same([...(slo?.methods ?? [])], ['GET'])
  const [dot] = normalizeOptions({ slos: [{ name: 'b', target: 0.9, sli, routes: ['/a.b*'] }] }).slos
  t.same(['/a.b', '/a.bc', '/aXb'].map(dot?.routes as (u: string) => boolean), [true, true, false])
})

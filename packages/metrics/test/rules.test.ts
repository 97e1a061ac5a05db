import Fastify from 'fastify'
import tap from 'tap'
import { parse, parseAllDocuments } from 'yaml'
import metrics, { type FastifyHighloadMetricsOptions } from '../src/index.js'

interface Rule { record?: string, alert?: string, expr: string, labels?: Record<string, string>, annotations?: Record<string, string> }
interface Rules { groups: Array<{ name: string, rules: Rule[] }> }

async function build (opts: FastifyHighloadMetricsOptions) {
  const app = Fastify()
  await app.register(metrics, { runtimeMetrics: false, ...opts })
  await app.ready()
  return app
}

const slos: FastifyHighloadMetricsOptions['slos'] = [
  { name: 'checkout', target: 0.999, sli: { kind: 'availability' }, description: 'Checkout works' },
  { name: 'search_fast', target: 0.99, periodDays: 28, sli: { kind: 'latency', thresholdMs: 250 } },
  { name: 'batch', target: 0.95, periodDays: 2, sli: { kind: 'availability' } },
  { name: 'quiet', target: 0.9, sli: { kind: 'availability' }, alerting: false }
]

tap.test('Prometheus rules: groups, recording rules and multiwindow alerts', async (t) => {
  const app = await build({ slos })
  t.teardown(() => app.close())
  const doc = parse(app.slo.prometheusRules()) as Rules
  t.same(doc.groups.map((g) => g.name), [
    'highload-slo-checkout', 'highload-slo-checkout-meta',
    'highload-slo-search_fast', 'highload-slo-search_fast-meta',
    'highload-slo-batch', 'highload-slo-batch-meta',
    'highload-slo-quiet', 'highload-slo-quiet-meta'
  ])
  const group = (name: string) => doc.groups.find((g) => g.name === name)?.rules ?? []
  const records = (name: string) => group(name).filter((r) => r.record !== undefined)
  const alertsOf = (name: string) => group(name).filter((r) => r.alert !== undefined)
  // The SLI records come first, then the alerts that read them in the same evaluation.
  t.same(group('highload-slo-checkout').map((r) => r.record ?? r.alert), [
    ...['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'].map((w) => `slo:sli_error:ratio_rate${w}`), 'ErrorBudgetBurn', 'ErrorBudgetBurn'
  ])
  const sli = records('highload-slo-checkout')
  t.same(sli.map((r) => r.labels), sli.map(() => ({ slo: 'checkout' })), 'each record names its SLO, so the lint tells SLOs apart')
  t.equal(sli[0]?.expr,
    'sum by (slo) (rate(highload_slo_events_total{slo="checkout",outcome="bad"}[5m]))\n/\n' +
    'sum by (slo) (rate(highload_slo_events_total{slo="checkout"}[5m]))')
  t.match(sli[7]?.expr, /increase\(highload_slo_events_total\{slo="checkout",outcome="bad"\}\[30d\]\)/)

  const meta = group('highload-slo-checkout-meta')
  t.same(meta.map((r) => [r.record, r.expr.split('\n')[0]]), [
    ['slo:objective:ratio', 'vector(0.999)'],
    ['slo:error_budget:ratio', 'vector(0.001)'],
    ['slo:time_period:days', 'vector(30)'],
    ['slo:current_burn_rate:ratio', 'slo:sli_error:ratio_rate5m{slo="checkout"}'],
    ['slo:period_burn_rate:ratio', 'slo:sli_error:ratio_rate30d{slo="checkout"}'],
    ['slo:period_error_budget_remaining:ratio', '1 - slo:period_burn_rate:ratio{slo="checkout"}']
  ])
  t.same(meta.map((r) => r.labels), meta.map(() => ({ slo: 'checkout' })))

  const alerts = alertsOf('highload-slo-checkout')
  t.same(alerts.map((a) => [a.alert, a.labels]), [
    ['ErrorBudgetBurn', { slo: 'checkout', severity: 'page' }],
    ['ErrorBudgetBurn', { slo: 'checkout', severity: 'ticket' }]
  ])
  t.equal(alerts[0]?.expr,
    '(\n  slo:sli_error:ratio_rate1h{slo="checkout"} > (14.4 * 0.001)\n  and\n  slo:sli_error:ratio_rate5m{slo="checkout"} > (14.4 * 0.001)\n)\nor\n' +
    '(\n  slo:sli_error:ratio_rate6h{slo="checkout"} > (6 * 0.001)\n  and\n  slo:sli_error:ratio_rate30m{slo="checkout"} > (6 * 0.001)\n)')
  t.match(alerts[1]?.expr, /ratio_rate1d\{slo="checkout"\} > \(3 \* 0\.001\)[\s\S]*ratio_rate3d\{slo="checkout"\} > \(1 \* 0\.001\)/)
  t.match(alerts[0]?.annotations?.description, /99\.9% availability objective over 30d/)

  // 28 days scales the factors like Sloth's google-28d table.
  const search = alertsOf('highload-slo-search_fast')
  t.match(search[0]?.expr, /\(13\.44 \* 0\.01\)[\s\S]*\(5\.6 \* 0\.01\)/)
  t.match(search[1]?.expr, /\(2\.8 \* 0\.01\)[\s\S]*\(0\.933333333333 \* 0\.01\)/)
  t.same(records('highload-slo-search_fast').at(-1)?.record, 'slo:sli_error:ratio_rate28d')

  // A 2-day period drops the 3-day window.
  t.same(records('highload-slo-batch').map((r) => r.record?.slice(24)), ['5m', '30m', '1h', '2h', '6h', '1d', '2d'])
  t.equal(alertsOf('highload-slo-batch').length, 2)
  t.same(group('highload-slo-quiet').map((r) => r.record), ['slo:sli_error:ratio_rate30d'])
  t.match(group('highload-slo-quiet-meta')[3]?.expr, /ratio_rate30d/)
})

tap.test('Prometheus rules: extra selector; custom windows', async (t) => {
  const app = await build({
    slos: [{
      name: 'api',
      target: 0.99,
      periodDays: 7,
      sli: { kind: 'availability' },
      alerting: {
        windows: [
          { severity: 'page', longWindowMs: 3_600_000, shortWindowMs: 300_000, burnRate: 16.8 },
          { severity: 'page', longWindowMs: 7 * 86_400_000, shortWindowMs: 90_000, burnRate: 1 }
        ]
      }
    }]
  })
  t.teardown(() => app.close())
  const doc = parse(app.slo.prometheusRules({ selector: 'job="api"' })) as Rules
  const rules = doc.groups[0]?.rules ?? []
  const sli = rules.filter((r) => r.record !== undefined)
  t.same(sli.map((r) => r.record?.slice(24)), ['90s', '5m', '1h', '7d'])
  t.match(sli[0]?.expr, /\{slo="api",outcome="bad",job="api"\}\[90s\]/)
  t.match(sli[0]?.expr, /\{slo="api",job="api"\}\[90s\]/)
  const alerts = rules.filter((r) => r.alert !== undefined)
  t.match(alerts[0]?.expr, /\(16\.8 \* 0\.01\)[\s\S]*ratio_rate7d/)
  t.equal(alerts.length, 1, 'one alert per severity')
})

tap.test('OpenSLO export', async (t) => {
  const app = await build({ slos })
  t.teardown(() => app.close())
  const docs = parseAllDocuments(app.slo.openSlo({ service: 'shop', selector: 'job="shop"' })).map((d) => d.toJS())
  t.equal(docs.length, 4)
  t.match(docs[0], {
    apiVersion: 'openslo/v1',
    kind: 'SLO',
    metadata: { name: 'checkout', displayName: 'checkout' },
    spec: {
      description: 'Checkout works',
      service: 'shop',
      budgetingMethod: 'Occurrences',
      timeWindow: [{ duration: '30d', isRolling: true }],
      objectives: [{ displayName: 'availability', target: 0.999 }],
      indicator: {
        metadata: { name: 'checkout-sli' },
        spec: {
          ratioMetric: {
            counter: true,
            bad: { metricSource: { type: 'Prometheus', spec: { query: 'sum(highload_slo_events_total{slo="checkout",outcome="bad",job="shop"})' } } },
            total: { metricSource: { type: 'Prometheus', spec: { query: 'sum(highload_slo_events_total{slo="checkout",job="shop"})' } } }
          }
        }
      }
    }
  })
  const policies = docs[0].spec.alertPolicies as Array<{ kind: string, metadata: { name: string }, spec: { conditions: Array<{ spec: { severity: string, condition: object } }> } }>
  t.same(policies.map((p) => p.metadata.name), ['checkout-page-1h', 'checkout-page-6h', 'checkout-ticket-1d', 'checkout-ticket-3d'])
  t.same(policies[0]?.spec.conditions[0]?.spec, {
    severity: 'page',
    condition: { kind: 'burnrate', op: 'gte', threshold: 14.4, lookbackWindow: '1h', alertAfter: '5m' }
  })
  t.match(docs[1], { metadata: { name: 'search-fast' }, spec: { objectives: [{ displayName: '250 ms latency', target: 0.99 }], timeWindow: [{ duration: '28d' }] } })
  t.equal('description' in docs[1].spec, false)
  t.same(docs[3].spec.alertPolicies, [])
  t.match(parseAllDocuments(app.slo.openSlo()).map((d) => d.toJS())[0], { spec: { service: 'fastify' } })
})

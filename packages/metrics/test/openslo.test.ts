// The OpenSLO export against a JSON Schema of OpenSLO v1's SLO object, written by us from the
// specification's required fields and types (fixtures/openslo-v1-slo.schema.json), checked with
// Ajv. Nothing is fetched at test time.
import { readFileSync } from 'node:fs'
import { Ajv } from 'ajv'
import Fastify from 'fastify'
import tap from 'tap'
import { parseAllDocuments } from 'yaml'
import metrics, { type FastifyHighloadMetricsOptions } from '../src/index.js'

const schema: object = JSON.parse(readFileSync(new URL('fixtures/openslo-v1-slo.schema.json', import.meta.url), 'utf8'))
// strictRequired is off: the schema says "one of a or b" with `required` inside `oneOf`/`not`.
const validate = new Ajv({ allErrors: true, strict: true, strictRequired: false }).compile(schema)

const DAY = 86_400_000
const LONG_NAME = `Checkout_${'x'.repeat(54)}`

async function exported (slos: FastifyHighloadMetricsOptions['slos']): Promise<Array<Record<string, any>>> {
  const app = Fastify()
  await app.register(metrics, { runtimeMetrics: false, suiteEvents: false, slos })
  await app.ready()
  const docs = parseAllDocuments(app.slo.openSlo({ service: 'shop', selector: 'job="shop"' })).map((d) => d.toJS() as Record<string, any>)
  await app.close()
  return docs
}

const SLOS: FastifyHighloadMetricsOptions['slos'] = [
  { name: 'availability', target: 0.999, sli: { kind: 'availability' }, description: 'Checkout answers' },
  { name: 'latency', target: 0.99, sli: { kind: 'latency', thresholdMs: 300 } },
  { name: 'fast_search', target: 0.995, periodDays: 28, sli: { kind: 'latency', thresholdMs: 12.5 }, description: 'd'.repeat(2000) },
  { name: LONG_NAME, target: 0.9, sli: { kind: 'availability' }, alerting: false },
  {
    name: 'api',
    target: 0.99,
    periodDays: 7,
    sli: { kind: 'availability' },
    alerting: {
      windows: [
        { severity: 'page', longWindowMs: 3_600_000, shortWindowMs: 90_000, burnRate: 16.8 },
        { severity: 'ticket', longWindowMs: 7 * DAY, shortWindowMs: 10_000, burnRate: 1 }
      ]
    }
  }
]

tap.test('OpenSLO export: every document is a valid OpenSLO v1 SLO, for each SLI kind', async (t) => {
  const docs = await exported(SLOS)
  t.equal(docs.length, SLOS?.length)
  for (const doc of docs) {
    t.ok(validate(doc), `${String(doc.metadata.displayName).slice(0, 20)} validates`, { errors: validate.errors })
  }
  const [availability, latency, search, long, api] = docs as [Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>, Record<string, any>]
  t.same(availability.spec.alertPolicies.map((p: any) => p.spec.notificationTargets), [
    [{ targetRef: 'page' }], [{ targetRef: 'page' }], [{ targetRef: 'ticket' }], [{ targetRef: 'ticket' }]
  ], 'each policy notifies the target named after its severity')
  t.same(latency.spec.objectives, [{ displayName: '300 ms latency', target: 0.99 }])
  t.equal(search.spec.description.length, 1050, "a description is cut at the spec's 1,050 characters")
  // Names stay RFC 1123 labels: lower case, at most 63 characters, the suffix kept.
  t.equal(long.metadata.name, LONG_NAME.toLowerCase().replace('_', '-'))
  t.equal(long.spec.indicator.metadata.name, `${LONG_NAME.toLowerCase().replace('_', '-').slice(0, 59)}-sli`)
  t.same(long.spec.alertPolicies, [])
  // OpenSLO durations have no seconds: 90 s and 10 s windows round up to whole minutes.
  t.same(api.spec.alertPolicies.map((p: any) => [p.metadata.name, p.spec.conditions[0].spec.condition]), [
    ['api-page-1h', { kind: 'burnrate', op: 'gte', threshold: 16.8, lookbackWindow: '1h', alertAfter: '2m' }],
    ['api-ticket-7d', { kind: 'burnrate', op: 'gte', threshold: 1, lookbackWindow: '7d', alertAfter: '1m' }]
  ])
  t.equal(api.spec.alertPolicies[0].spec.conditions[0].metadata.name, 'api-burnrate-1h-2m')
})

tap.test('the schema refuses what the specification refuses', async (t) => {
  const [valid] = await exported([{ name: 'checkout', target: 0.999, sli: { kind: 'availability' } }])
  t.ok(validate(valid), 'the export is the baseline', { errors: validate.errors })
  const broken: Array<[string, (doc: Record<string, any>) => void, string]> = [
    ['an alert policy without notificationTargets (the 0.x export)', (d) => { delete d.spec.alertPolicies[0].spec.notificationTargets }, '/spec/alertPolicies/0'],
    ['a duration in seconds', (d) => { d.spec.alertPolicies[0].spec.conditions[0].spec.condition.alertAfter = '90s' }, '/spec/alertPolicies/0'],
    ['two conditions in one policy', (d) => { d.spec.alertPolicies[0].spec.conditions.push(d.spec.alertPolicies[0].spec.conditions[0]) }, '/spec/alertPolicies/0'],
    ['a 64-character name', (d) => { d.metadata.name = 'a'.repeat(64) }, '/metadata/name'],
    ['an upper-case name', (d) => { d.metadata.name = 'Checkout' }, '/metadata/name'],
    ['a target of 1', (d) => { d.spec.objectives[0].target = 1 }, '/spec/objectives/0'],
    ['no budgetingMethod', (d) => { delete d.spec.budgetingMethod }, '/spec'],
    ['no service', (d) => { delete d.spec.service }, '/spec'],
    ['both indicator and indicatorRef', (d) => { d.spec.indicatorRef = 'checkout-sli' }, '/spec'],
    ['good and bad in one ratio', (d) => { d.spec.indicator.spec.ratioMetric.good = d.spec.indicator.spec.ratioMetric.bad }, '/spec/indicator/spec/ratioMetric'],
    ['two time windows', (d) => { d.spec.timeWindow.push(d.spec.timeWindow[0]) }, '/spec/timeWindow'],
    ['a rolling window with a calendar', (d) => { d.spec.timeWindow[0].calendar = { startTime: '2026-01-01 00:00:00', timeZone: 'UTC' } }, '/spec/timeWindow/0'],
    ['another apiVersion', (d) => { d.apiVersion = 'openslo/v2alpha' }, '/apiVersion']
  ]
  for (const [what, mutate, path] of broken) {
    const doc = structuredClone(valid) as Record<string, any>
    mutate(doc)
    t.notOk(validate(doc), `refused: ${what}`)
    t.ok(validate.errors?.some((e) => e.instancePath.startsWith(path)), `${what}: the error points at ${path}`, { errors: validate.errors })
  }
})

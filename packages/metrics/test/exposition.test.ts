import Fastify, { type FastifyPluginAsync } from 'fastify'
import fastifyMetricsModule, { type IMetricsPluginOptions } from 'fastify-metrics'
import promClient from 'prom-client'
import tap from 'tap'
import { fakeClock, logCollector } from '@highload/testing'
import metrics from '../src/index.js'
import { parseExposition, samples } from './helpers/parse.js'

// CommonJS with exports.default: ESM sees the exports object.
const fastifyMetrics = (fastifyMetricsModule as unknown as { default: FastifyPluginAsync<Partial<IMetricsPluginOptions>> }).default

tap.test('one response carries RED, SLO and fastify-metrics runtime metrics, each name once', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { slos: [{ name: 'api', target: 0.99, sli: { kind: 'availability' } }] })
  app.get('/', async () => 'ok')
  await app.ready()
  await app.inject('/')
  const res = await app.inject('/metrics')
  const fam = parseExposition(res.body) // throws on a repeated family or series
  for (const name of ['http_server_request_duration_seconds', 'highload_slo_events_total', 'process_cpu_user_seconds_total', 'nodejs_heap_size_total_bytes', 'nodejs_eventloop_lag_seconds']) {
    t.ok(fam.has(name), name)
  }
  t.equal(typeof (app as unknown as { metrics: { client: unknown } }).metrics.client, 'object', 'fastify-metrics decorator is there')
  const names = res.body.split('\n').filter((l) => l.startsWith('# TYPE ')).map((l) => l.split(' ')[2])
  t.equal(new Set(names).size, names.length, 'no metric name twice')
})

tap.test('metrics users add to prom-client\'s global registry are exposed', async (t) => {
  const counter = new promClient.Counter({ name: 'app_orders_total', help: 'Orders placed.' })
  t.teardown(() => promClient.register.removeSingleMetric('app_orders_total'))
  counter.inc(3)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false })
  await app.ready()
  t.equal(samples(parseExposition((await app.inject('/metrics')).body), 'app_orders_total')[0]?.value, 3)
})

tap.test('reuses fastify-metrics when the app registered it; duplicates are dropped once, with a warning', async (t) => {
  t.teardown(() => promClient.register.clear())
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'warn', stream: logs.stream } })
  t.teardown(() => app.close())
  // Route metrics left on: its http_request_duration_seconds collides with the classic preset.
  await app.register(fastifyMetrics, { endpoint: null, clearRegisterOnInit: true, defaultMetrics: { enabled: false } })
  await app.register(metrics, { preset: 'classic', runtimeMetrics: false, cacheMs: 0 })
  app.get('/x', async () => 'x')
  await app.ready()
  await app.inject('/x')
  const first = parseExposition((await app.inject('/metrics')).body)
  const ours = samples(first, 'http_request_duration_seconds', {}, 'http_request_duration_seconds_count')
  t.same(ours.map((s) => s.labels), [{ method: 'GET', route: '/x', status_code: '200' }], 'our family is the one kept')
  t.ok(first.has('http_request_summary_seconds'), 'the rest of its registry is appended')
  parseExposition((await app.inject('/metrics')).body)
  t.same(logs.messages().filter((w) => /defined twice/.test(w)).length, 1)
})

tap.test('fastify-metrics serving its own /metrics is a coded conflict', async (t) => {
  t.teardown(() => promClient.register.clear())
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(fastifyMetrics, { clearRegisterOnInit: true, defaultMetrics: { enabled: false }, routeMetrics: { enabled: false } })
  await t.rejects(async () => { await app.register(metrics, { runtimeMetrics: false }) }, { code: 'HL_METRICS_ENDPOINT_CONFLICT', message: /GET \/metrics is already registered; register fastify-metrics with endpoint: null/ })
})

tap.test('sloEndpoint conflict; endpoints can be moved or turned off', async (t) => {
  const taken = Fastify()
  t.teardown(() => taken.close())
  taken.get('/slo', async () => 'mine')
  await t.rejects(async () => { await taken.register(metrics, { runtimeMetrics: false }) }, { code: 'HL_METRICS_ENDPOINT_CONFLICT', message: /pick another sloEndpoint/ })

  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, endpoint: '/internal/metrics', sloEndpoint: false })
  await app.ready()
  t.equal((await app.inject('/metrics')).statusCode, 404)
  t.equal((await app.inject('/slo')).statusCode, 404)
  t.equal((await app.inject('/internal/metrics')).statusCode, 200)

  const none = Fastify()
  t.teardown(() => none.close())
  await none.register(metrics, { runtimeMetrics: false, endpoint: false })
  none.get('/', async () => 'x')
  await none.ready()
  await none.inject('/')
  t.equal((await none.inject('/metrics')).statusCode, 404)
  t.match(await none.slo.metrics(), /http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/",http_response_status_code="200"\} 1/)
})

tap.test('renders are cached for cacheMs', async (t) => {
  const clock = fakeClock(t, { toFake: ['Date'] })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, cacheMs: 1000 })
  app.get('/', async () => 'x')
  await app.ready()
  await app.inject('/')
  const first = await app.slo.metrics()
  await app.inject('/')
  t.equal(await app.slo.metrics(), first, 'same text within cacheMs')
  clock.tick(1000)
  t.match(await app.slo.metrics(), /http_route="\/",http_response_status_code="200"\} 2/)
})

import Fastify, { type FastifyInstance } from 'fastify'
import tap, { type Test } from 'tap'
import { waitUntil } from '@highload/testing'
import metrics, { type FastifyHighloadMetricsOptions } from '../src/index.js'
import { serve } from './helpers/http.js'
import { parseExposition, samples, seriesCount } from './helpers/parse.js'

async function build (t: Test, opts: FastifyHighloadMetricsOptions = {}, routes?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, cacheMs: 0, ...opts })
  app.get('/hello', async () => 'hi')
  app.get('/users/:id', async () => ({ ok: true }))
  app.get('/fail', async (_req, reply) => reply.code(503).send('down'))
  app.get('/limited', async (_req, reply) => reply.code(429).send('slow down'))
  routes?.(app)
  await app.ready()
  return app
}

async function scrape (app: FastifyInstance, t: Test = tap) {
  const res = await app.inject('/metrics')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  return parseExposition(res.body)
}

/** The exposition without asserting on the response, for polling. */
async function exposition (app: FastifyInstance) {
  return parseExposition(await app.slo.metrics())
}

const D = 'http_server_request_duration_seconds'

tap.test('otel preset: route templates, status codes, error_type for 5xx only', async (t) => {
  const app = await build(t)
  await app.inject('/hello')
  await app.inject('/users/1')
  await app.inject('/users/2')
  await app.inject('/fail')
  await app.inject('/limited')
  const fam = await scrape(app)
  t.equal(fam.get(D)?.type, 'histogram')
  const count = (labels: Record<string, string>) => samples(fam, D, labels, `${D}_count`)
  t.same(count({ http_route: '/users/:id' }).map((s) => [s.labels, s.value]), [[{
    http_request_method: 'GET', http_route: '/users/:id', http_response_status_code: '200'
  }, 2]])
  t.same(count({ http_route: '/fail' })[0]?.labels, {
    http_request_method: 'GET', http_route: '/fail', http_response_status_code: '503', error_type: '503'
  })
  t.same(count({ http_route: '/limited' })[0]?.labels, {
    http_request_method: 'GET', http_route: '/limited', http_response_status_code: '429'
  })
  t.equal(count({ http_route: '/metrics' }).length, 0, '/metrics is excluded')
  const buckets = samples(fam, D, { http_route: '/hello' }, `${D}_bucket`).map((s) => s.labels.le)
  t.same(buckets, ['0.005', '0.01', '0.025', '0.05', '0.075', '0.1', '0.25', '0.5', '0.75', '1', '2.5', '5', '7.5', '10', '+Inf'])
  t.same(samples(fam, 'highload_metrics_series_dropped_total').map((s) => [s.labels, s.value]), [[{ metric: D }, 0]])
})

tap.test('classic preset keeps fastify-metrics names, labels and buckets', async (t) => {
  const app = await build(t, { preset: 'classic' })
  await app.inject('/users/7')
  await app.inject('/fail')
  const fam = await scrape(app)
  const name = 'http_request_duration_seconds'
  t.equal(fam.has(D), false)
  t.same(samples(fam, name, {}, `${name}_count`).map((s) => s.labels), [
    { method: 'GET', route: '/users/:id', status_code: '200' },
    { method: 'GET', route: '/fail', status_code: '503' }
  ])
  t.same(samples(fam, name, { route: '/fail' }, `${name}_bucket`).map((s) => s.labels.le),
    ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'])
})

tap.test('unmatched requests share one route label; unknown methods are _OTHER', async (t) => {
  const app = await build(t)
  const send = await serve(t, app)
  t.equal(await send('/nope/1'), 404)
  t.equal(await send('/nope/2', 'DELETE'), 404)
  await waitUntil(async () => samples(await exposition(app), D, { http_route: '__unmatched__' }, `${D}_count`).length === 2, 'both to be recorded')
  const fam = await scrape(app)
  const routes = samples(fam, D, { http_route: '__unmatched__' }, `${D}_count`).map((s) => [s.labels.http_request_method, s.labels.http_response_status_code, s.value])
  t.same(routes, [['GET', '404', 1], ['DELETE', '404', 1]])
})

tap.test('custom methods are recorded as _OTHER', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  app.addHttpMethod('PROPFIND')
  await app.register(metrics, { runtimeMetrics: false, cacheMs: 0 })
  app.route({ method: 'PROPFIND', url: '/dav', handler: async () => 'x' })
  const send = await serve(t, app)
  t.equal(await send('/dav', 'PROPFIND'), 200)
  t.equal(await send('/missing', 'PROPFIND'), 404)
  const routes = async (): Promise<string[]> => samples(await exposition(app), D, { http_request_method: '_OTHER' }, `${D}_count`).map((s) => s.labels.http_route ?? '')
  await waitUntil(async () => (await routes()).length === 2, 'both to be recorded')
  t.same(await routes(), ['/dav', '__unmatched__'])
})

tap.test('cardinality flood: 10,000 random URLs leave the series count unchanged', async (t) => {
  const app = await build(t)
  const send = await serve(t, app)
  const unmatched = async (): Promise<number | undefined> => samples(await exposition(app), D, { http_route: '__unmatched__' }, `${D}_count`)[0]?.value
  await send('/hello')
  await send(`/random/${Math.random()}`)
  await waitUntil(async () => (await unmatched()) === 1, 'the first unmatched request to be recorded')
  const before = seriesCount(await scrape(app))
  // Over HTTP, 16 at a time, as server timing sees only what Node's server receives.
  for (let i = 0; i < 10_000; i += 16) {
    await Promise.all(Array.from({ length: 16 }, (_, j) => send(`/${Math.random().toString(36).slice(2)}/${i + j}?q=${i + j}`)))
  }
  await waitUntil(async () => (await unmatched()) === 10_001, 'every request to be recorded')
  t.equal(seriesCount(await scrape(app)), before)
})

tap.test('series cap: overflow series and dropped-series counter', async (t) => {
  const app = await build(t, { maxSeries: 2 })
  await app.inject('/hello')
  await app.inject('/users/1')
  await app.inject('/fail')
  await app.inject('/limited')
  await app.inject('/fail')
  const fam = await scrape(app)
  const counts = samples(fam, D, {}, `${D}_count`)
  t.equal(counts.length, 3, 'two series and the overflow series')
  t.same(counts[2]?.labels, { http_request_method: '_OTHER', http_route: '__overflow__' })
  t.equal(counts[2]?.value, 3)
  t.same(samples(fam, 'highload_metrics_series_dropped_total').map((s) => s.value), [2], 'two label sets dropped, each counted once')
})

tap.test('opt-outs: config.metrics false, /metrics and /slo', async (t) => {
  const app = await build(t, {}, (app) => {
    app.get('/private', { config: { metrics: false } }, async () => 'x')
  })
  await app.inject('/private')
  await app.inject('/slo')
  await app.inject('/metrics')
  const fam = await scrape(app)
  t.same(samples(fam, D, {}, `${D}_count`), [])
})

tap.test('statsId overrides the route label; multi-method routes record each method', async (t) => {
  const app = await build(t, {}, (app) => {
    app.get('/legacy/:id', { config: { statsId: 'legacy' } }, async () => 'x')
    app.route({ method: ['POST', 'PUT'], url: '/things', handler: async () => 'x' })
  })
  await app.inject('/legacy/3')
  await app.inject({ method: 'POST', url: '/things' })
  await app.inject({ method: 'PUT', url: '/things' })
  await app.inject({ method: 'PUT', url: '/things' })
  const fam = await scrape(app)
  t.equal(samples(fam, D, { http_route: 'legacy' }, `${D}_count`)[0]?.value, 1)
  t.same(samples(fam, D, { http_route: '/things' }, `${D}_count`).map((s) => [s.labels.http_request_method, s.value]), [['POST', 1], ['PUT', 2]])
})

tap.test('HEAD routes Fastify adds are recorded under HEAD', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'HEAD', url: '/hello' })
  const fam = await scrape(app)
  t.same(samples(fam, D, { http_route: '/hello' }, `${D}_count`).map((s) => [s.labels.http_request_method, s.value]), [['HEAD', 1]])
})

tap.test('routes in encapsulated plugins registered later are measured', async (t) => {
  const app = await build(t, {}, (app) => {
    app.register(async (child) => {
      child.get('/inner', async () => 'x')
      child.setNotFoundHandler(async (_req, reply) => reply.code(404).send('none here'))
    }, { prefix: '/v1' })
  })
  const send = await serve(t, app)
  t.equal(await send('/v1/inner'), 200)
  t.equal(await send('/v1/missing'), 404)
  await waitUntil(async () => samples(await exposition(app), D, { http_route: '__unmatched__' }, `${D}_count`).length === 1, 'the unmatched request to be recorded')
  const fam = await scrape(app)
  t.equal(samples(fam, D, { http_route: '/v1/inner' }, `${D}_count`)[0]?.value, 1)
  t.equal(samples(fam, D, { http_route: '__unmatched__' }, `${D}_count`)[0]?.value, 1)
})

tap.test('label values are escaped', async (t) => {
  const app = await build(t, {}, (app) => {
    app.get('/q', { config: { statsId: 'a"b\\c\nd' } }, async () => 'x')
  })
  await app.inject('/q')
  const fam = await scrape(app)
  t.equal(samples(fam, D, { http_route: 'a"b\\c\nd' }, `${D}_count`)[0]?.value, 1)
})

tap.test('routes with their own hooks keep them (hooks timing appends to them); storage grows past its first block', async (t) => {
  const seen: string[] = []
  const app = await build(t, { timing: 'hooks' }, (app) => {
    app.get('/hooked', { onResponse: (_req, _reply, done) => { seen.push('own'); done() }, onRequestAbort: [(_req, done) => done()] }, async () => 'x')
    app.get('/hooked-once', { onRequestAbort: (_req, done) => done() }, async () => 'x')
    for (let i = 0; i < 40; i++) app.get(`/r${i}`, async () => 'x')
  })
  await app.inject('/hooked')
  await app.inject('/hooked-once')
  for (let i = 0; i < 40; i++) await app.inject(`/r${i}`)
  const fam = await scrape(app)
  t.same(seen, ['own'])
  t.equal(samples(fam, D, { http_route: '/hooked' }, `${D}_count`)[0]?.value, 1)
  t.equal(samples(fam, D, { http_route: '/hooked-once' }, `${D}_count`)[0]?.value, 1)
  t.equal(samples(fam, D, {}, `${D}_count`).length, 42)
  t.equal(samples(fam, D, { http_route: '/r39' }, `${D}_count`)[0]?.value, 1)
})

import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import tap, { type Test } from 'tap'
import { waitUntil } from '@highload/testing'
import metrics, { type FastifyHighloadMetricsOptions } from '../src/index.js'
import { parseExposition, samples } from './helpers/parse.js'

const D = 'http_server_request_duration_seconds'
const C = 'http_request_duration_seconds'

async function listen (t: Test, opts: FastifyHighloadMetricsOptions, connectionTimeout = 0) {
  const app = Fastify({ connectionTimeout })
  t.teardown(() => app.close())
  await app.register(metrics, {
    runtimeMetrics: false,
    cacheMs: 0,
    slos: [
      { name: 'default', target: 0.99, sli: { kind: 'availability' }, alerting: false },
      { name: 'lenient', target: 0.99, sli: { kind: 'availability' }, alerting: false, abortedIsBad: false, timeoutIsBad: false }
    ],
    ...opts
  })
  let release: () => void = () => {}
  let entered = false
  app.get('/slow', async () => {
    entered = true
    await new Promise<void>((resolve) => { release = resolve })
    return 'late'
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  return {
    app,
    port: (app.server.address() as AddressInfo).port,
    release: () => release(),
    inHandler: () => waitUntil(() => entered, 'the handler to start')
  }
}

tap.test('a client abort is an error outcome: +Inf bucket, no sum, bad for SLOs by default', async (t) => {
  const { app, port, release, inHandler } = await listen(t, {})
  const req = request({ port, path: '/slow' })
  req.on('error', () => {})
  req.end()
  await inHandler()
  req.destroy()
  await waitUntil(() => app.slo.status().slos[0]?.lifetime.total === 1, 'the outcome to be recorded')
  release()
  await new Promise((resolve) => setTimeout(resolve, 50))
  const fam = parseExposition(await app.slo.metrics())
  const series = samples(fam, D, { http_route: '/slow' }, `${D}_count`)
  t.same(series.map((s) => [s.labels, s.value]), [[{ http_request_method: 'GET', http_route: '/slow', error_type: 'aborted' }, 1]], 'counted once, even after the handler finishes')
  const buckets = samples(fam, D, { http_route: '/slow' }, `${D}_bucket`)
  t.equal(buckets.find((b) => b.labels.le === '10')?.value, 0)
  t.equal(buckets.find((b) => b.labels.le === '+Inf')?.value, 1)
  t.equal(samples(fam, D, { http_route: '/slow' }, `${D}_sum`)[0]?.value, 0)
  const [strict, lenient] = app.slo.status().slos
  t.match(strict?.lifetime, { total: 1, bad: 1 })
  t.match(lenient?.lifetime, { total: 0, bad: 0 }, 'left out when aborts are not bad')
})

for (const timing of ['server', 'hooks'] as const) {
  tap.test(`a connection timeout is a timeout outcome with its duration (${timing} timing)`, async (t) => {
    const { app, port, release } = await listen(t, { preset: 'classic', timing }, 200)
    const req = request({ port, path: '/slow' })
    req.on('error', () => {})
    req.end()
    await waitUntil(() => app.slo.status().slos[0]?.lifetime.total === 1, 'the outcome to be recorded')
    release()
    await new Promise((resolve) => setTimeout(resolve, 50))
    const fam = parseExposition(await app.slo.metrics())
    const series = samples(fam, C, { route: '/slow' }, `${C}_count`)
    t.same(series.map((s) => [s.labels, s.value]), [[{ method: 'GET', route: '/slow', status_code: '504' }, 1]], 'timeout then abort counts once')
    const sum = samples(fam, C, { route: '/slow' }, `${C}_sum`)[0]?.value ?? 0
    t.ok(sum >= 0.15 && sum < 10, `duration ${sum} s reaches the timeout`)
    const [strict, lenient] = app.slo.status().slos
    t.match(strict?.lifetime, { total: 1, bad: 1 })
    t.match(lenient?.lifetime, { total: 0 })
  })
}

tap.test('aborts in the classic preset use 499; otel timeouts use error_type timeout', async (t) => {
  const classic = await listen(t, { preset: 'classic' })
  const a = request({ port: classic.port, path: '/slow' })
  a.on('error', () => {})
  a.end()
  await classic.inHandler()
  a.destroy()
  await waitUntil(() => classic.app.slo.status().slos[0]?.lifetime.total === 1, 'the outcome to be recorded')
  classic.release()
  t.same(samples(parseExposition(await classic.app.slo.metrics()), C, {}, `${C}_count`).map((s) => s.labels.status_code), ['499'])

  const otel = await listen(t, {}, 150)
  const b = request({ port: otel.port, path: '/slow' })
  b.on('error', () => {})
  b.end()
  await waitUntil(() => otel.app.slo.status().slos[0]?.lifetime.total === 1, 'the outcome to be recorded')
  otel.release()
  t.same(samples(parseExposition(await otel.app.slo.metrics()), D, {}, `${D}_count`).map((s) => s.labels), [
    { http_request_method: 'GET', http_route: '/slow', error_type: 'timeout' }
  ])
})

tap.test('status codes outside 100-599 from raw writes are _OTHER errors', async (t) => {
  for (const preset of ['otel', 'classic'] as const) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(metrics, { runtimeMetrics: false, preset, slos: [{ name: 'a', target: 0.9, sli: { kind: 'availability' }, alerting: false }] })
    app.get('/raw', (_req, reply) => {
      reply.hijack()
      reply.raw.writeHead(700)
      reply.raw.end('odd')
    })
    await app.ready()
    t.equal((await app.inject('/raw')).statusCode, 700)
    const fam = parseExposition(await app.slo.metrics())
    const name = preset === 'otel' ? D : C
    t.same(samples(fam, name, {}, `${name}_count`).map((s) => s.labels), [preset === 'otel'
      ? { http_request_method: 'GET', http_route: '/raw', error_type: '_OTHER' }
      : { method: 'GET', route: '/raw', status_code: '_OTHER' }])
    t.match(app.slo.status().slos[0]?.lifetime, { total: 1, bad: 1 })
  }
})

tap.test('a request aborted before its handler runs is counted once, as an abort, when the handler replies later', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, cacheMs: 0 })
  let open: () => void = () => {}
  let gated = false
  app.get('/gated', {
    preHandler: async () => {
      gated = true
      await new Promise<void>((resolve) => { open = resolve })
    }
  }, async () => 'late')
  await app.listen({ port: 0, host: '127.0.0.1' })
  const req = request({ port: (app.server.address() as AddressInfo).port, path: '/gated' })
  req.on('error', () => {})
  req.end()
  await waitUntil(() => gated, 'the preHandler to start')
  req.destroy()
  const count = async () => samples(parseExposition(await app.slo.metrics()), D, { http_route: '/gated' }, `${D}_count`).map((s) => [s.labels.error_type ?? s.labels.http_response_status_code, s.value])
  await waitUntil(async () => (await count()).length > 0, 'the abort to be recorded')
  open()
  await new Promise((resolve) => setTimeout(resolve, 50))
  t.same(await count(), [['aborted', 1]])
})

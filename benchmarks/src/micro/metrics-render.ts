import highloadMetrics from '@highload/metrics'
import Fastify, { type FastifyInstance } from 'fastify'
import { Histogram, Registry } from 'prom-client'
import type { MicroSuite } from './types.js'

// 2,000 histogram series (method, route, status) with the 14 OpenTelemetry buckets on both sides.
const SERIES = 2000
const BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]

// prom-client: a private registry, so nothing touches its global one.
const registry = new Registry()
const histogram = new Histogram({
  name: 'http_server_request_duration_seconds',
  help: 'Duration of HTTP server requests.',
  labelNames: ['http_request_method', 'http_route', 'http_response_status_code'] as const,
  buckets: BUCKETS,
  registers: [registry]
})

let app: FastifyInstance | null = null
let bytes = 0

const suite: MicroSuite = {
  name: 'metrics-render',
  description: `Rendering the Prometheus text of ${SERIES} request-duration histogram series (14 buckets): ` +
    '@highload/metrics\' precomputed-prefix renderer (app.slo.metrics(), render cache off, runtime metrics off) ' +
    'against prom-client 15 Registry.metrics() holding the same series, each against an awaited no-op.',
  baseline: 'await a resolved promise',
  setup: async () => {
    app = Fastify({ logger: false })
    await app.register(highloadMetrics, { cacheMs: 0, runtimeMetrics: false, suiteEvents: false, endpoint: false, sloEndpoint: false })
    for (let r = 0; r < SERIES; r++) app.get(`/route/${r}/:id`, async () => 'x')
    await app.ready()
    for (let r = 0; r < SERIES; r++) {
      await app.inject(`/route/${r}/1`)
      histogram.observe({ http_request_method: 'GET', http_route: `/route/${r}/:id`, http_response_status_code: '200' }, 0.003)
    }
  },
  tasks: {
    // The trivial part both sides share (an awaited call), so the overhead column is the render.
    'await a resolved promise': async () => {
      bytes = await Promise.resolve(bytes)
    },
    'prom-client registry.metrics()': async () => {
      bytes = (await registry.metrics()).length
    },
    '@highload/metrics app.slo.metrics()': async () => {
      bytes = (await (app as FastifyInstance).slo.metrics()).length
    }
  },
  // The target: under 5 ms per render of 2,000 series.
  maxOverheadNs: { '@highload/metrics app.slo.metrics()': 5_000_000 },
  teardown: async () => {
    registry.clear()
    await app?.close()
    if (bytes === 0) throw new Error('nothing rendered')
  }
}

export default suite

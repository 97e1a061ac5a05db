import Fastify from 'fastify'
import { describe, expect, test } from 'tstyche'
import metrics, {
  codes, fastifyHighloadMetrics, MetricsInvalidOptionError, type FastifyHighloadMetricsOptions, type HighloadSlo,
  type LatencySliOptions, type SliOptions, type SloOptions, type SloStatusReport, type SloTransitionEvent
} from '@highload/metrics'

describe('@highload/metrics', () => {
  test('registration and options', () => {
    const app = Fastify()
    expect(fastifyHighloadMetrics).type.toBe(metrics)
    app.register(metrics)
    app.register(metrics, {
      endpoint: '/metrics',
      sloEndpoint: false,
      preset: 'classic',
      timing: 'hooks',
      buckets: [0.1, 1],
      maxSeries: 500,
      cacheMs: 0,
      runtimeMetrics: false,
      suiteEvents: true,
      evaluationIntervalMs: 10_000,
      slos: [
        { name: 'api', target: 0.999, sli: { kind: 'availability' } },
        {
          name: 'fast',
          target: 0.99,
          periodDays: 28,
          sli: { kind: 'latency', thresholdMs: 250 },
          routes: ['/api/*', /^\/v2/],
          methods: ['GET'],
          badStatus: ['5xx', 429],
          abortedIsBad: false,
          timeoutIsBad: true,
          alerting: { hysteresis: 0.2, windows: [{ severity: 'page', longWindowMs: 3_600_000, shortWindowMs: 300_000, burnRate: 14.4 }] }
        },
        { name: 'pred', target: 0.9, sli: { kind: 'availability' }, badStatus: (code) => code >= 500, alerting: false }
      ]
    })
    expect(app.register).type.not.toBeCallableWith(metrics, { preset: 'prometheus' })
    expect(app.register).type.not.toBeCallableWith(metrics, { endpoint: true })
    expect(app.register).type.not.toBeCallableWith(metrics, { timing: 'onResponse' })
    Fastify({ http2: true }).register(metrics, { timing: 'hooks' })
    expect<SloOptions>().type.not.toBeAssignableFrom({ name: 'x', target: 0.9, sli: { kind: 'latency' } })
    expect<SloOptions>().type.not.toBeAssignableFrom({ name: 'x', target: 0.9, sli: { kind: 'availability' }, alerting: true })
    expect<FastifyHighloadMetricsOptions>().type.toBeAssignableFrom({})
    expect<FastifyHighloadMetricsOptions>().type.not.toBeAssignableFrom({ endpont: '/x' })
    expect<SliOptions>().type.toBeAssignableFrom<LatencySliOptions>()
  })

  test('decorator and route config', () => {
    const app = Fastify()
    expect(app.slo).type.toBe<HighloadSlo>()
    expect(app.slo.status()).type.toBe<SloStatusReport>()
    expect(app.slo.prometheusRules({ selector: 'job="api"' })).type.toBe<string>()
    expect(app.slo.openSlo({ service: 'shop' })).type.toBe<string>()
    expect(app.slo.metrics()).type.toBe<Promise<string>>()
    app.get('/x', { config: { metrics: false } }, async () => 'x')
    app.get('/y', { config: { slo: ['api'], statsId: 'y' } }, async () => 'x')
    app.get('/z', { config: { slo: 'api' } }, async () => 'x')
    expect(app.get).type.not.toBeCallableWith('/w', { config: { slo: 1 } }, async () => 'x')
  })

  test('codes and errors', () => {
    expect(codes.INVALID_OPTION).type.toBe<'HL_METRICS_INVALID_OPTION'>()
    expect(new MetricsInvalidOptionError('a', 'b', 'c').code).type.toBe<'HL_METRICS_INVALID_OPTION'>()
  })

  test('event shape', () => {
    expect<SloTransitionEvent['state']>().type.toBe<'firing' | 'resolved'>()
    expect<SloTransitionEvent['severity']>().type.toBe<'page' | 'ticket'>()
  })
})

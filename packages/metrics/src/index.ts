import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { show } from '@highload/options'
import { MetricsEndpointConflictError, MetricsInvalidOptionError } from './errors.js'
import { exposition, type TextRegistry } from './exposition.js'
import { DurationHistogram } from './histogram.js'
import { PRESETS } from './names.js'
import { measureRoutes } from './measure-routes.js'
import { parseOptions, type FastifyHighloadMetricsOptions, type MetricsTiming } from './options.js'
import { Recorder } from './recorder.js'
import { registerFastifyMetrics } from './registry.js'
import { RouteIndex } from './route-index.js'
import { unmatchedHook } from './route-hooks.js'
import { useServerTiming } from './server-timing.js'
import { SloEngine, type SloStatusReport } from './slo/engine.js'
import { openSlo, type OpenSloOptions } from './slo/openslo.js'
import { prometheusRules, type PrometheusRulesOptions } from './slo/rules.js'
import { SuiteEvents } from './suite.js'
import { CONTENT_TYPE } from './text.js'

export {
  MetricsDuplicateSloError, MetricsEndpointConflictError, MetricsInvalidOptionError, MetricsInvalidTargetError,
  MetricsInvalidThresholdError, MetricsUnknownSloError, codes
} from './errors.js'
export type { FastifyHighloadMetricsOptions, MetricsPreset, MetricsTiming } from './options.js'
export { CLASSIC_BUCKETS, OTEL_BUCKETS } from './options.js'
export type {
  AlertSeverity, AvailabilitySliOptions, BurnRateWindow, LatencySliOptions, SliOptions, SloAlertingOptions, SloOptions
} from './slo/options.js'
export type { StatusClass } from './slo/outcomes.js'
export type {
  AlertStatus, SloStatus, SloStatusReport, SloTransitionEvent, WindowStatus
} from './slo/engine.js'
export { SLO_CHANNEL } from './slo/engine.js'
export type { OpenSloOptions } from './slo/openslo.js'
export type { PrometheusRulesOptions } from './slo/rules.js'

/** The `fastify.slo` decorator. */
export interface HighloadSlo {
  /** Per SLO: counts and burn rate per window, error budget left, alert states, history. Evaluates first. */
  status (): SloStatusReport
  /** Prometheus recording and multiwindow burn-rate alert rules for the configured SLOs (YAML). */
  prometheusRules (options?: PrometheusRulesOptions): string
  /** The configured SLOs as OpenSLO v1 documents (multi-document YAML). */
  openSlo (options?: OpenSloOptions): string
  /** The full Prometheus exposition `GET /metrics` serves (RED, SLO, suite and runtime metrics). */
  metrics (): Promise<string>
}

declare module 'fastify' {
  interface FastifyInstance {
    /** SLO status, rule and spec generation, and the exposition (@highload/metrics). */
    slo: HighloadSlo
  }
  interface FastifyContextConfig {
    /** `false` leaves the route out of RED metrics and every SLO. */
    metrics?: boolean
    /** SLOs (by name) this route joins, besides those whose `routes` option matches it. */
    slo?: string | readonly string[]
    /** Route label override, as in fastify-metrics. */
    statsId?: string
  }
}

const plugin: FastifyPluginAsync<FastifyHighloadMetricsOptions> = async function highloadMetrics (fastify, options) {
  const params = parseOptions(options)
  const names = PRESETS[params.preset]
  const now = (): number => Date.now()
  const histogram = new DurationHistogram(names.duration, names.help, params.buckets, params.maxSeries)
  const engine = new SloEngine(params.slos, now, fastify.log)
  const recorder = new Recorder(histogram, names, now)
  const suite = params.suiteEvents ? new SuiteEvents(params.maxSeries) : null

  for (const [key, url] of [['endpoint', params.endpoint], ['sloEndpoint', params.sloEndpoint]] as const) {
    if (url !== null && fastify.hasRoute({ method: 'GET', url })) {
      throw new MetricsEndpointConflictError(url, key === 'endpoint'
        ? 'register fastify-metrics with endpoint: null (one combined exposition is served here) or pick another endpoint'
        : 'pick another sloEndpoint or set it to false')
    }
  }
  const registries: readonly TextRegistry[] = await registerFastifyMetrics(fastify, params.runtimeMetrics)

  const http2 = fastify.initialConfig.http2 === true
  if (http2 && params.timing === 'server') {
    throw new MetricsInvalidOptionError('timing', show('server'), "'hooks' on an HTTP/2 server: Node publishes no server events for HTTP/2")
  }
  const timing: MetricsTiming = params.timing ?? (http2 ? 'hooks' : 'server')

  // Server timing: finds the route of a request no handler tagged (route-index.ts).
  const index = timing === 'server' ? new RouteIndex(fastify, recorder) : null
  measureRoutes(fastify, { params, engine, recorder, timing, index })
  if (timing === 'hooks') fastify.addHook('onResponse', unmatchedHook(recorder))

  const render = exposition({
    histogram, engine, suite, registries, cacheMs: params.cacheMs, now, log: fastify.log
  })

  fastify.decorate('slo', {
    status: () => engine.status(),
    prometheusRules: (opts?: PrometheusRulesOptions) => prometheusRules(params.slos, opts),
    openSlo: (opts?: OpenSloOptions) => openSlo(params.slos, opts),
    metrics: render
  } satisfies HighloadSlo)

  if (params.endpoint !== null) {
    fastify.get(params.endpoint, { config: { metrics: false } }, async (_request, reply) => {
      return reply.type(CONTENT_TYPE).send(await render())
    })
  }
  if (params.sloEndpoint !== null) {
    fastify.get(params.sloEndpoint, { config: { metrics: false } }, async () => engine.status())
  }

  let timer: NodeJS.Timeout | null = null
  if (engine.trackers.some((t) => t.alerts.length > 0)) {
    timer = setInterval(() => engine.evaluate(), params.evaluationIntervalMs)
    timer.unref()
  }
  // Last, so a registration error above cannot leave the subscription behind.
  const releaseServerTiming = index === null ? null : useServerTiming(fastify.server, (request, aborted) => index.resolve(request, aborted))
  fastify.addHook('onClose', async () => {
    releaseServerTiming?.()
    if (timer !== null) clearInterval(timer)
    suite?.close()
  })
}

/** RED metrics per route, SLOs with burn-rate alerts, and one Prometheus exposition. */
export const fastifyHighloadMetrics = fp(plugin, {
  fastify: '5.x',
  name: '@highload/metrics'
})

export default fastifyHighloadMetrics

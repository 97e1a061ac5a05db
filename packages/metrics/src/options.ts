import {
  boolean, createParser, integer, list, ms, number, object, oneOf, path, type RulesOf
} from '@highload/options'
import { MetricsDuplicateSloError, MetricsInvalidOptionError } from './errors.js'
import { DAY } from './slo/duration.js'
import { sloRule, type SloOptions, type SloParams } from './slo/options.js'
import { tidy } from './tidy.js'

/** Metric naming scheme. */
export type MetricsPreset = 'otel' | 'classic'

/**
 * Where request durations come from. `server`: Node's HTTP server events (request parsed to
 * response flushed), at almost no cost. `hooks`: Fastify's `onResponse` hook and
 * `reply.elapsedTime`, which works on every transport but costs more (see the README).
 */
export type MetricsTiming = 'server' | 'hooks'

export interface FastifyHighloadMetricsOptions {
  /**
   * URL of the Prometheus exposition (`GET`); `false` registers no route.
   * @default '/metrics'
   */
  endpoint?: string | false
  /**
   * URL of the SLO status JSON (`GET`); `false` registers no route.
   * @default '/slo'
   */
  sloEndpoint?: string | false
  /**
   * `otel`: `http_server_request_duration_seconds` with OpenTelemetry label names.
   * `classic`: fastify-metrics' `http_request_duration_seconds{method,route,status_code}`.
   * @default 'otel'
   */
  preset?: MetricsPreset
  /**
   * Where durations and outcomes come from. `server`: Node's HTTP server events, with no hook per
   * request. `hooks`: Fastify's route hooks; the only choice on HTTP/2, for which Node publishes
   * no server events. Under `server`, `fastify.inject()` requests are recorded only when a route
   * handler replies, timed by Fastify's own timer; use `hooks` in tests that inject early replies
   * or unmatched requests.
   * @default 'server' ('hooks' with `http2: true`)
   */
  timing?: MetricsTiming
  /**
   * Histogram bucket upper bounds, in seconds, strictly increasing. Every latency SLO threshold is inserted.
   * @default OpenTelemetry advisory buckets (otel) or prom-client's defaults (classic)
   */
  buckets?: readonly number[]
  /**
   * Series cap per metric. Label sets past the cap go to one overflow series and are counted
   * in `highload_metrics_series_dropped_total`.
   * @default 2000
   */
  maxSeries?: number
  /**
   * How long a rendered exposition is reused, in ms, so concurrent scrapers share one render. 0 disables.
   * @default 1000
   */
  cacheMs?: number
  /**
   * Collect fastify-metrics' process and runtime metrics (prom-client default metrics).
   * @default true
   */
  runtimeMetrics?: boolean
  /**
   * Subscribe to the other @highload packages' diagnostics channels and export them.
   * @default true
   */
  suiteEvents?: boolean
  /**
   * How often SLO alerts are evaluated, in whole ms (100 to 86400000).
   * @default 5000
   */
  evaluationIntervalMs?: number
  /**
   * Service-level objectives.
   * @default []
   */
  slos?: readonly SloOptions[]
}

export interface MetricsParams {
  readonly endpoint: string | null
  readonly sloEndpoint: string | null
  readonly preset: MetricsPreset
  /** null: the default for the server (decided at registration). */
  readonly timing: MetricsTiming | null
  /** Sorted bucket bounds in seconds, SLO thresholds included. */
  readonly buckets: readonly number[]
  readonly maxSeries: number
  readonly cacheMs: number
  readonly runtimeMetrics: boolean
  readonly suiteEvents: boolean
  readonly evaluationIntervalMs: number
  readonly slos: readonly SloParams[]
}

/** OpenTelemetry `http.server.request.duration` advisory bucket bounds, in seconds. */
export const OTEL_BUCKETS: readonly number[] = Object.freeze(
  [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10]
)
/** prom-client's default bounds, which fastify-metrics dashboards were built on. */
export const CLASSIC_BUCKETS: readonly number[] = Object.freeze(
  [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
)

export const optionRules = {
  endpoint: path({ default: '/metrics' }),
  sloEndpoint: path({ default: '/slo' }),
  preset: oneOf(['otel', 'classic'], { default: 'otel' }),
  timing: oneOf(['server', 'hooks'], { doc: "'server' ('hooks' with http2: true)" }),
  buckets: list(number({ above: 0 }), { minItems: 1, doc: 'OTel advisory buckets (otel), prom-client defaults (classic)' }),
  maxSeries: integer({ default: 2000, min: 1, max: 1_000_000 }),
  cacheMs: ms({ default: 1000 }),
  runtimeMetrics: boolean({ default: true }),
  suiteEvents: boolean({ default: true }),
  evaluationIntervalMs: ms({ default: 5000, min: 100, max: DAY, integer: true }),
  slos: list(sloRule, { default: [] })
} satisfies RulesOf<FastifyHighloadMetricsOptions>

/** The bounds of the preset (or the given ones) with every latency SLO threshold inserted. */
function bucketBounds (given: readonly number[], slos: readonly SloParams[]): readonly number[] {
  const all = new Set(given.map(tidy))
  for (const s of slos) if (s.kind === 'latency') all.add(tidy(s.thresholdMs / 1000))
  return Object.freeze([...all].sort((a, b) => a - b))
}

export const optionsRule = object(optionRules, {
  refine: (o, fail): MetricsParams => {
    const seen = new Set<string>()
    for (const s of o.slos) {
      if (seen.has(s.name)) throw new MetricsDuplicateSloError(s.name)
      seen.add(s.name)
    }
    if (o.endpoint !== null && o.endpoint === o.sloEndpoint) fail('sloEndpoint', o.sloEndpoint, 'a path different from endpoint')
    const given = o.buckets
    if (given !== undefined && given.some((b, i) => i > 0 && b <= (given[i - 1] as number))) {
      fail('buckets', given, 'a strictly increasing array of bounds in seconds')
    }
    return {
      endpoint: o.endpoint,
      sloEndpoint: o.sloEndpoint,
      preset: o.preset,
      timing: o.timing ?? null,
      buckets: bucketBounds(given ?? (o.preset === 'otel' ? OTEL_BUCKETS : CLASSIC_BUCKETS), o.slos),
      maxSeries: o.maxSeries,
      cacheMs: o.cacheMs,
      runtimeMetrics: o.runtimeMetrics,
      suiteEvents: o.suiteEvents,
      evaluationIntervalMs: o.evaluationIntervalMs,
      slos: o.slos
    }
  }
})

/** Validates and normalises the plugin options once, at registration. */
export const parseOptions = createParser(optionsRule, MetricsInvalidOptionError)

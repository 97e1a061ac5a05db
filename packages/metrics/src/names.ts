import type { MetricsPreset } from './options.js'

/** Metric and label names of one preset. */
export interface PresetNames {
  readonly duration: string
  readonly help: string
  readonly method: string
  readonly route: string
  readonly status: string
  /** null: the preset has no error label. */
  readonly errorType: string | null
}

export const PRESETS: Readonly<Record<MetricsPreset, PresetNames>> = Object.freeze({
  otel: Object.freeze({
    duration: 'http_server_request_duration_seconds',
    help: 'Duration of HTTP server requests.',
    method: 'http_request_method',
    route: 'http_route',
    status: 'http_response_status_code',
    errorType: 'error_type'
  }),
  classic: Object.freeze({
    duration: 'http_request_duration_seconds',
    help: 'request duration in seconds',
    method: 'method',
    route: 'route',
    status: 'status_code',
    errorType: null
  })
})

export const SLO_EVENTS = 'highload_slo_events_total'
export const SLO_OBJECTIVE = 'highload_slo_objective_ratio'
export const SLO_BURN_RATE = 'highload_slo_burn_rate'
export const SLO_BUDGET_REMAINING = 'highload_slo_error_budget_remaining_ratio'
export const SLO_ALERT_ACTIVE = 'highload_slo_alert_active'
export const SLO_FAMILIES: readonly string[] = [SLO_EVENTS, SLO_OBJECTIVE, SLO_BURN_RATE, SLO_BUDGET_REMAINING, SLO_ALERT_ACTIVE]
export const SERIES_DROPPED = 'highload_metrics_series_dropped_total'

export const UNMATCHED_ROUTE = '__unmatched__'
export const OVERFLOW_ROUTE = '__overflow__'
export const OTHER_METHOD = '_OTHER'

/** RFC 9110 methods plus PATCH, as OpenTelemetry lists them; anything else is `_OTHER`. */
export const KNOWN_METHODS: readonly string[] = Object.freeze(
  ['CONNECT', 'DELETE', 'GET', 'HEAD', 'OPTIONS', 'PATCH', 'POST', 'PUT', 'TRACE']
)

import { inspect } from 'node:util'
import {
  DuplicateSloError, InvalidOptionError, InvalidTargetError, InvalidThresholdError
} from './errors.js'

/** Metric naming scheme. */
export type MetricsPreset = 'otel' | 'classic'

/**
 * Where request durations come from. `server`: Node's HTTP server events (request parsed to
 * response flushed), at almost no cost. `hooks`: Fastify's `onResponse` hook and
 * `reply.elapsedTime`, which works on every transport but costs more (see the README).
 */
export type MetricsTiming = 'server' | 'hooks'

/** How urgent a burn-rate alert is: `page` wakes someone up, `ticket` waits for working hours. */
export type AlertSeverity = 'page' | 'ticket'

/** A status class usable in `badStatus`. */
export type StatusClass = '1xx' | '2xx' | '3xx' | '4xx' | '5xx'

/** One multiwindow burn-rate alert: fires when both windows burn at least `burnRate` times the budget. */
export interface BurnRateWindow {
  severity: AlertSeverity
  /** The long window, which gives significance. At most the SLO period. */
  longWindowMs: number
  /** The short window, which makes the alert reset quickly. Shorter than the long window. */
  shortWindowMs: number
  /** Burn-rate factor: 1 spends the budget exactly over the period. */
  burnRate: number
}

export interface SloAlertingOptions {
  /**
   * The alert windows. The default is the Google SRE workbook table scaled to the period
   * (for 30 days: page 14.4x 1h/5m, page 6x 6h/30m, ticket 3x 1d/2h, ticket 1x 3d/6h).
   * @default the SRE workbook preset
   */
  windows?: readonly BurnRateWindow[]
  /**
   * Hysteresis: a firing alert resolves only when a window's burn rate drops below
   * `burnRate * (1 - hysteresis)`, so an error ratio hovering at the threshold does not flap.
   * @default 0.1
   */
  hysteresis?: number
}

/** What the SLO measures. */
export type SliOptions =
  | { kind: 'availability' }
  | {
    kind: 'latency'
    /** A request is good when it succeeds within this many milliseconds. Inserted into the histogram buckets. */
    thresholdMs: number
  }

export interface SloOptions {
  /** Unique name: letters, digits, `_` and `-`, used as the `slo` label value. */
  name: string
  /** Objective as a ratio strictly between 0 and 1, e.g. 0.999. */
  target: number
  /**
   * Rolling period of the objective, in whole days (1 to 90).
   * @default 30
   */
  periodDays?: number
  /** Free text, copied into the exports. */
  description?: string
  /** `availability`: good unless the outcome is bad. `latency`: good when not bad and no slower than `thresholdMs`. */
  sli: SliOptions
  /**
   * Route templates that belong to the SLO: exact templates (`/users/:id`), globs with `*`
   * (`/api/*`) or regular expressions. Routes can also join with `config.slo`.
   * @default every measured route (unmatched requests never count)
   */
  routes?: ReadonlyArray<string | RegExp>
  /**
   * HTTP methods that count.
   * @default every method
   */
  methods?: readonly string[]
  /**
   * Which response status codes are bad: codes and status classes, or a predicate evaluated once
   * per code (100-599) at registration.
   * @default ['5xx'] (so 4xx, including 429, are good)
   */
  badStatus?: ReadonlyArray<number | StatusClass> | ((statusCode: number) => boolean)
  /**
   * Whether a request the client aborted before the response counts as bad.
   * @default true
   */
  abortedIsBad?: boolean
  /**
   * Whether a request that hit Fastify's connection timeout counts as bad.
   * @default true
   */
  timeoutIsBad?: boolean
  /**
   * Burn-rate alerting (in-process state, events and generated alert rules); `false` turns it off.
   * @default {}
   */
  alerting?: false | SloAlertingOptions
}

export interface HighloadMetricsOptions {
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
   * Histogram bucket upper bounds, in seconds. Every latency SLO threshold is inserted.
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
   * How often SLO alerts are evaluated, in ms.
   * @default 5000
   */
  evaluationIntervalMs?: number
  /**
   * Service-level objectives.
   * @default []
   */
  slos?: readonly SloOptions[]
}

export interface AlertParams {
  readonly severity: AlertSeverity
  readonly longMs: number
  readonly shortMs: number
  readonly burnRate: number
}

export interface SloParams {
  readonly name: string
  readonly target: number
  /** 1 - target, rounded to hide float noise. */
  readonly budget: number
  readonly periodDays: number
  readonly periodMs: number
  readonly description: string
  readonly kind: 'availability' | 'latency'
  /** Infinity for availability SLIs. */
  readonly thresholdMs: number
  /** null: every route. */
  readonly routes: ((url: string) => boolean) | null
  /** null: every method. */
  readonly methods: ReadonlySet<string> | null
  /**
   * Outcome table, 600 entries: at a status code, 1 when bad, 0 when good; at the pseudo codes
   * 0 (aborted) and 1 (timeout), 1 when bad and 2 when the event is left out of the SLO.
   */
  readonly outcomes: Uint8Array
  readonly alerts: readonly AlertParams[]
  readonly hysteresis: number
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

const MINUTE = 60_000
const HOUR = 60 * MINUTE
const DAY = 24 * HOUR

/** The SRE workbook table as share of the budget spent when each alert fires. */
const WORKBOOK: ReadonlyArray<{ severity: AlertSeverity, spent: number, longMs: number, shortMs: number }> = [
  { severity: 'page', spent: 0.02, longMs: HOUR, shortMs: 5 * MINUTE },
  { severity: 'page', spent: 0.05, longMs: 6 * HOUR, shortMs: 30 * MINUTE },
  { severity: 'ticket', spent: 0.1, longMs: DAY, shortMs: 2 * HOUR },
  { severity: 'ticket', spent: 0.1, longMs: 3 * DAY, shortMs: 6 * HOUR }
]

/** Pseudo status code of a request the client aborted before the response. */
export const ABORTED = 0
/** Pseudo status code of a request that hit the connection timeout. */
export const TIMEOUT = 1
/** Pseudo status code standing for a code outside 100-599 (only raw writes can produce one). */
export const INVALID = 2

/** Shortest window the finest ring tier can serve. */
export const MIN_WINDOW_MS = 10_000

const SLO_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/

function show (value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Infinity })
}

function fail (path: string, value: unknown, expected: string): never {
  throw new InvalidOptionError(path, show(value), expected)
}

/** Drops float noise such as 1 - 0.999 = 0.0010000000000000009. */
export function tidy (value: number): number {
  return Number(value.toPrecision(12))
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function bool (path: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback
  if (typeof value !== 'boolean') fail(path, value, 'a boolean')
  return value
}

function int (path: string, value: unknown, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    fail(path, value, `an integer from ${min} to ${max}`)
  }
  return value
}

function requiredInt (path: string, value: unknown, min: number, max: number): number {
  if (value === undefined) fail(path, value, `an integer from ${min} to ${max}`)
  return int(path, value, 0, min, max)
}

function url (path: string, value: unknown, fallback: string): string | null {
  if (value === undefined) return fallback
  if (value === false) return null
  if (typeof value !== 'string' || !value.startsWith('/')) fail(path, value, 'a URL path starting with "/" or false')
  return value
}

function globToMatcher (pattern: string): (url: string) => boolean {
  if (!pattern.includes('*')) return (u) => u === pattern
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')
  const re = new RegExp(`^${source}$`)
  return (u) => re.test(u)
}

function routes (path: string, value: unknown): ((url: string) => boolean) | null {
  if (value === undefined) return null
  if (!Array.isArray(value)) fail(path, value, 'an array of route templates, globs or RegExps')
  const matchers = value.map((entry: unknown, i) => {
    if (typeof entry === 'string') return globToMatcher(entry)
    if (entry instanceof RegExp) {
      // A copy without the g/y flags, whose lastIndex would make test() stateful.
      const re = new RegExp(entry.source, entry.flags.replace(/[gy]/g, ''))
      return (u: string) => re.test(u)
    }
    return fail(`${path}[${i}]`, entry, 'a string or a RegExp')
  })
  return (u) => matchers.some((match) => match(u))
}

function methods (path: string, value: unknown): ReadonlySet<string> | null {
  if (value === undefined) return null
  if (!Array.isArray(value) || value.length === 0 || !value.every((m) => typeof m === 'string' && m.length > 0)) {
    fail(path, value, 'a non-empty array of HTTP method names')
  }
  return new Set((value as string[]).map((m) => m.toUpperCase()))
}

function badStatus (path: string, value: unknown): Uint8Array {
  const table = new Uint8Array(600)
  if (value === undefined) {
    table.fill(1, 500, 600)
    return table
  }
  if (typeof value === 'function') {
    for (let code = 100; code < 600; code++) table[code] = (value as (code: number) => unknown)(code) === true ? 1 : 0
    return table
  }
  if (!Array.isArray(value)) fail(path, value, 'an array of status codes and classes, or a function')
  value.forEach((entry: unknown, i) => {
    if (typeof entry === 'number' && Number.isInteger(entry) && entry >= 100 && entry <= 599) {
      table[entry] = 1
    } else if (typeof entry === 'string' && /^[1-5]xx$/.test(entry)) {
      const base = Number(entry[0]) * 100
      table.fill(1, base, base + 100)
    } else {
      fail(`${path}[${i}]`, entry, 'a status code from 100 to 599 or a class such as "5xx"')
    }
  })
  return table
}

function alerting (path: string, value: unknown, periodMs: number, periodDays: number): { alerts: AlertParams[], hysteresis: number } {
  if (value === false) return { alerts: [], hysteresis: 0.1 }
  if (value !== undefined && !isObject(value)) fail(path, value, 'an object or false')
  const opts = value ?? {}
  let hysteresis = 0.1
  if (opts.hysteresis !== undefined) {
    if (typeof opts.hysteresis !== 'number' || !(opts.hysteresis >= 0 && opts.hysteresis < 1)) {
      fail(`${path}.hysteresis`, opts.hysteresis, 'a number from 0 (inclusive) to 1 (exclusive)')
    }
    hysteresis = opts.hysteresis
  }
  if (opts.windows === undefined) {
    const alerts = WORKBOOK
      .filter((w) => w.longMs <= periodMs)
      .map((w) => ({ severity: w.severity, longMs: w.longMs, shortMs: w.shortMs, burnRate: tidy(w.spent * periodDays * DAY / w.longMs) }))
    return { alerts, hysteresis }
  }
  if (!Array.isArray(opts.windows)) fail(`${path}.windows`, opts.windows, 'an array of burn-rate windows')
  const alerts = opts.windows.map((w: unknown, i): AlertParams => {
    const at = `${path}.windows[${i}]`
    if (!isObject(w)) return fail(at, w, 'an object')
    if (w.severity !== 'page' && w.severity !== 'ticket') fail(`${at}.severity`, w.severity, '"page" or "ticket"')
    const longMs = requiredInt(`${at}.longWindowMs`, w.longWindowMs, MIN_WINDOW_MS, periodMs)
    const shortMs = requiredInt(`${at}.shortWindowMs`, w.shortWindowMs, MIN_WINDOW_MS, longMs - 1)
    if (typeof w.burnRate !== 'number' || !(w.burnRate > 0) || !Number.isFinite(w.burnRate)) {
      fail(`${at}.burnRate`, w.burnRate, 'a positive finite number')
    }
    return { severity: w.severity, longMs, shortMs, burnRate: w.burnRate }
  })
  return { alerts, hysteresis }
}

function slo (value: unknown, i: number): SloParams {
  const path = `slos[${i}]`
  if (!isObject(value)) fail(path, value, 'an SLO object')
  if (typeof value.name !== 'string' || !SLO_NAME.test(value.name)) {
    fail(`${path}.name`, value.name, 'a name of letters, digits, "_" and "-" (at most 63 characters)')
  }
  const name = value.name
  const target = value.target
  if (typeof target !== 'number' || !(target > 0 && target < 1)) throw new InvalidTargetError(name, show(target))
  const periodDays = int(`${path}.periodDays`, value.periodDays, 30, 1, 90)
  const periodMs = periodDays * DAY
  if (value.description !== undefined && typeof value.description !== 'string') {
    fail(`${path}.description`, value.description, 'a string')
  }
  const sli = value.sli
  if (!isObject(sli) || (sli.kind !== 'availability' && sli.kind !== 'latency')) {
    fail(`${path}.sli`, sli, '{ kind: "availability" } or { kind: "latency", thresholdMs }')
  }
  let thresholdMs = Infinity
  if (sli.kind === 'latency') {
    if (typeof sli.thresholdMs !== 'number' || !(sli.thresholdMs > 0) || !Number.isFinite(sli.thresholdMs)) {
      throw new InvalidThresholdError(name, show(sli.thresholdMs))
    }
    thresholdMs = sli.thresholdMs
  }
  const { alerts, hysteresis } = alerting(`${path}.alerting`, value.alerting, periodMs, periodDays)
  const outcomes = badStatus(`${path}.badStatus`, value.badStatus)
  outcomes[ABORTED] = bool(`${path}.abortedIsBad`, value.abortedIsBad, true) ? 1 : 2
  outcomes[TIMEOUT] = bool(`${path}.timeoutIsBad`, value.timeoutIsBad, true) ? 1 : 2
  outcomes[INVALID] = 1
  return Object.freeze({
    name,
    target,
    budget: tidy(1 - target),
    periodDays,
    periodMs,
    description: value.description ?? '',
    kind: sli.kind,
    thresholdMs,
    routes: routes(`${path}.routes`, value.routes),
    methods: methods(`${path}.methods`, value.methods),
    outcomes,
    alerts: Object.freeze(alerts),
    hysteresis
  })
}

function buckets (value: unknown, preset: MetricsPreset, slos: readonly SloParams[]): readonly number[] {
  let bounds: readonly number[] = preset === 'otel' ? OTEL_BUCKETS : CLASSIC_BUCKETS
  if (value !== undefined) {
    if (!Array.isArray(value) || value.length === 0 ||
      !value.every((b, i) => typeof b === 'number' && b > 0 && Number.isFinite(b) && (i === 0 || b > (value[i - 1] as number)))) {
      fail('buckets', value, 'a non-empty, strictly increasing array of positive finite seconds')
    }
    bounds = value as number[]
  }
  const all = new Set(bounds.map(tidy))
  for (const s of slos) if (s.kind === 'latency') all.add(tidy(s.thresholdMs / 1000))
  return Object.freeze([...all].sort((a, b) => a - b))
}

/** Validates and normalises the plugin options once, at registration. */
export function normalizeOptions (input: unknown): MetricsParams {
  if (input !== undefined && !isObject(input)) fail('options', input, 'an object')
  const opts = input ?? {}
  const preset = opts.preset ?? 'otel'
  if (preset !== 'otel' && preset !== 'classic') fail('preset', preset, '"otel" or "classic"')
  const timing = opts.timing ?? null
  if (timing !== null && timing !== 'server' && timing !== 'hooks') fail('timing', timing, '"server" or "hooks"')
  if (opts.slos !== undefined && !Array.isArray(opts.slos)) fail('slos', opts.slos, 'an array of SLOs')
  const slos = ((opts.slos ?? []) as unknown[]).map(slo)
  const seen = new Set<string>()
  for (const s of slos) {
    if (seen.has(s.name)) throw new DuplicateSloError(s.name)
    seen.add(s.name)
  }
  const endpoint = url('endpoint', opts.endpoint, '/metrics')
  const sloEndpoint = url('sloEndpoint', opts.sloEndpoint, '/slo')
  if (endpoint !== null && endpoint === sloEndpoint) fail('sloEndpoint', sloEndpoint, 'a URL different from endpoint')
  let cacheMs = 1000
  if (opts.cacheMs !== undefined) {
    if (typeof opts.cacheMs !== 'number' || !(opts.cacheMs >= 0) || !Number.isFinite(opts.cacheMs)) {
      fail('cacheMs', opts.cacheMs, 'a finite number of ms, 0 or more')
    }
    cacheMs = opts.cacheMs
  }
  return Object.freeze({
    endpoint,
    sloEndpoint,
    preset,
    timing,
    buckets: buckets(opts.buckets, preset, slos),
    maxSeries: int('maxSeries', opts.maxSeries, 2000, 1, 1_000_000),
    cacheMs,
    runtimeMetrics: bool('runtimeMetrics', opts.runtimeMetrics, true),
    suiteEvents: bool('suiteEvents', opts.suiteEvents, true),
    evaluationIntervalMs: int('evaluationIntervalMs', opts.evaluationIntervalMs, 5000, 100, DAY),
    slos: Object.freeze(slos)
  })
}

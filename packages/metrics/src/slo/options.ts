import {
  boolean, custom, integer, list, number, object, oneOf, orFalse, required, show, text,
  type Rule, type RulesOf
} from '@highload/options'
import { MetricsInvalidTargetError, MetricsInvalidThresholdError } from '../errors.js'
import { tidy } from '../tidy.js'
import { DAY } from './duration.js'
import { badStatusRule, outcomeTable, type StatusClass } from './outcomes.js'
import { routeMatcher } from './routes.js'
import { workbookAlerts } from './workbook.js'

/** How urgent a burn-rate alert is: `page` wakes someone up, `ticket` waits for working hours. */
export type AlertSeverity = 'page' | 'ticket'

/** One multiwindow burn-rate alert: fires when both windows burn at least `burnRate` times the budget. */
export interface BurnRateWindow {
  /** `page` or `ticket`: the `severity` label of the alert. */
  severity: AlertSeverity
  /** The long window, which gives significance, in whole ms: from 10000 to the SLO period. */
  longWindowMs: number
  /** The short window, which makes the alert reset quickly, in whole ms: from 10000, shorter than the long window. */
  shortWindowMs: number
  /** Burn-rate factor: 1 spends the budget exactly over the period. */
  burnRate: number
}

export interface SloAlertingOptions {
  /**
   * The alert windows. The default is the Google SRE workbook table scaled to the period
   * (for 30 days: page 14.4x 1h/5m, page 6x 6h/30m, ticket 3x 1d/2h, ticket 1x 3d/6h).
   * @default the SRE workbook table
   */
  windows?: readonly BurnRateWindow[]
  /**
   * Hysteresis: a firing alert resolves only when a window's burn rate drops below
   * `burnRate * (1 - hysteresis)`, so an error ratio hovering at the threshold does not flap.
   * @default 0.1
   */
  hysteresis?: number
}

/** An availability SLI: a request is good unless its outcome is bad. */
export interface AvailabilitySliOptions {
  kind: 'availability'
}

/** A latency SLI: a request is good when its outcome is not bad and it is fast enough. */
export interface LatencySliOptions {
  kind: 'latency'
  /** A request is good when it succeeds within this many milliseconds. Inserted into the histogram buckets. */
  thresholdMs: number
}

/** What the SLO measures. */
export type SliOptions = AvailabilitySliOptions | LatencySliOptions

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
  /**
   * Free text, copied into the exports.
   * @default ''
   */
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
  /** Outcome table, 600 entries (see `outcomeTable`). */
  readonly outcomes: Uint8Array
  readonly alerts: readonly AlertParams[]
  readonly hysteresis: number
}

/** Shortest window the finest ring tier can serve. */
export const MIN_WINDOW_MS = 10_000

const SLO_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/

/**
 * A required value the SLO's refine checks: `target` and `sli.thresholdMs` throw codes of their
 * own (HL_METRICS_INVALID_TARGET, HL_METRICS_INVALID_THRESHOLD) whose messages name the SLO,
 * which a rule cannot know.
 */
function checkedBySlo (expected: string): Rule<unknown> {
  return { expected, documented: { kind: 'required' }, parse: (value) => value }
}

// Window lengths are whole milliseconds, not ms() durations: they are not timers, and the longer
// ones (3 days is 259200000 ms) pass Node's timer limit of 2^31-1 ms. They are bounded by the SLO
// period instead, which the SLO's refine checks.
export const burnRateWindowRules = {
  severity: required(oneOf(['page', 'ticket'])),
  longWindowMs: required(integer({ min: MIN_WINDOW_MS })),
  shortWindowMs: required(integer({ min: MIN_WINDOW_MS })),
  burnRate: required(number({ above: 0 }))
} satisfies RulesOf<BurnRateWindow>

export const burnRateWindowRule = object(burnRateWindowRules, {
  refine: (w, fail) => {
    if (w.shortWindowMs >= w.longWindowMs) fail('shortWindowMs', w.shortWindowMs, `an integer number from ${MIN_WINDOW_MS} to ${w.longWindowMs - 1}`)
    return w
  }
})

export const alertingRules = {
  windows: list(burnRateWindowRule, { doc: 'the SRE workbook table' }),
  hysteresis: number({ default: 0.1, min: 0, below: 1 })
} satisfies RulesOf<SloAlertingOptions>

export const availabilitySliRules = {
  kind: required(oneOf(['availability']))
} satisfies RulesOf<AvailabilitySliOptions>

export const latencySliRules = {
  kind: required(oneOf(['latency'])),
  thresholdMs: checkedBySlo('a positive finite number of milliseconds')
} satisfies RulesOf<LatencySliOptions>

const availabilitySli = object(availabilitySliRules)
const latencySli = object(latencySliRules)
type ParsedSli = ReturnType<typeof availabilitySli.parse> | ReturnType<typeof latencySli.parse>
const SLI_EXPECTED = "{ kind: 'availability' } or { kind: 'latency', thresholdMs }"

/** `sli` is a union told apart by `kind`; the kit has no union of rules, so this picks the table. */
export const sliRule: Rule<ParsedSli> = {
  expected: SLI_EXPECTED,
  documented: { kind: 'required' },
  parse (value, path, fail) {
    const kind = typeof value === 'object' && value !== null ? (value as { kind?: unknown }).kind : undefined
    if (kind === 'availability') return availabilitySli.parse(value, path, fail)
    if (kind === 'latency') return latencySli.parse(value, path, fail)
    return fail(path, value, SLI_EXPECTED)
  }
}

export const sloRules = {
  name: required(text({ pattern: SLO_NAME, expected: 'a name of letters, digits, "_" and "-" (at most 63 characters)' })),
  target: checkedBySlo('a number strictly between 0 and 1'),
  periodDays: integer({ default: 30, min: 1, max: 90 }),
  description: custom<string>('a string', (value) => typeof value === 'string', { default: '' }),
  sli: sliRule,
  routes: list(custom<string | RegExp>('a string or a RegExp', (value) => typeof value === 'string' || value instanceof RegExp), { doc: 'every measured route' }),
  methods: list(text({ expected: 'an HTTP method name' }), { minItems: 1, doc: 'every method' }),
  badStatus: badStatusRule,
  abortedIsBad: boolean({ default: true }),
  timeoutIsBad: boolean({ default: true }),
  alerting: orFalse(object(alertingRules))
} satisfies RulesOf<SloOptions>

/** One SLO, validated and normalised into what the engine and the recorder read. */
export const sloRule = object(sloRules, {
  refine: (o, fail): SloParams => {
    const { name, target, sli, periodDays } = o
    if (typeof target !== 'number' || !(target > 0 && target < 1)) throw new MetricsInvalidTargetError(name, show(target))
    let thresholdMs = Infinity
    if (sli.kind === 'latency') {
      const threshold = sli.thresholdMs
      if (typeof threshold !== 'number' || !(threshold > 0) || !Number.isFinite(threshold)) {
        throw new MetricsInvalidThresholdError(name, show(threshold))
      }
      thresholdMs = threshold
    }
    const periodMs = periodDays * DAY
    const alerting = o.alerting
    let alerts: AlertParams[] = []
    if (alerting !== null) {
      alerts = alerting.windows === undefined
        ? workbookAlerts(periodDays)
        : alerting.windows.map((w, i) => {
          if (w.longWindowMs > periodMs) {
            fail(`alerting.windows[${i}].longWindowMs`, w.longWindowMs, `an integer number from ${MIN_WINDOW_MS} to ${periodMs} (the period)`)
          }
          return { severity: w.severity, longMs: w.longWindowMs, shortMs: w.shortWindowMs, burnRate: w.burnRate }
        })
    }
    return {
      name,
      target,
      budget: tidy(1 - target),
      periodDays,
      periodMs,
      // The rule's default is '': custom() cannot say so in its type.
      description: o.description as string,
      kind: sli.kind,
      thresholdMs,
      routes: o.routes === undefined ? null : routeMatcher(o.routes),
      methods: o.methods === undefined ? null : new Set(o.methods.map((m) => m.toUpperCase())),
      outcomes: outcomeTable(o.badStatus, o.abortedIsBad, o.timeoutIsBad),
      alerts: Object.freeze(alerts),
      hysteresis: alerting === null ? 0.1 : alerting.hysteresis
    }
  }
})

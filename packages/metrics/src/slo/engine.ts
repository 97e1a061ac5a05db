import { channel } from 'node:diagnostics_channel'
import type { AlertParams, AlertSeverity, SloParams } from './options.js'
import { tidy } from '../tidy.js'
import { formatDuration } from './duration.js'
import { TieredWindow } from './window.js'

/** Message published on `highload:metrics:slo` when a burn-rate alert starts or stops firing. */
export interface SloTransitionEvent {
  slo: string
  severity: AlertSeverity
  /** `firing` when both windows burn at least `burnRate`; `resolved` when one dropped below it (minus hysteresis). */
  state: 'firing' | 'resolved'
  longWindow: string
  shortWindow: string
  /** The alert's threshold factor. */
  burnRate: number
  longBurnRate: number
  shortBurnRate: number
  /** `Date.now()` of the evaluation. */
  at: number
}

export const SLO_CHANNEL = 'highload:metrics:slo'
const sloChannel = channel(SLO_CHANNEL)

export interface WindowStatus {
  window: string
  windowMs: number
  good: number
  bad: number
  total: number
  /** bad / total (0 without traffic). */
  errorRatio: number
  /** errorRatio / (1 - target). */
  burnRate: number
  /** Share of the window the process has data for (1 once it has run that long). */
  coverage: number
}

export interface AlertStatus {
  severity: AlertSeverity
  longWindow: string
  shortWindow: string
  burnRate: number
  longBurnRate: number
  shortBurnRate: number
  active: boolean
  /** `Date.now()` when it started firing, or null. */
  since: number | null
}

export interface SloStatus {
  name: string
  description: string
  target: number
  periodDays: number
  sli: { kind: 'availability' } | { kind: 'latency', thresholdMs: number }
  /** How long this process has been tracking, in ms. */
  historyMs: number
  /** Counts since tracking started. */
  lifetime: { good: number, bad: number, total: number }
  windows: WindowStatus[]
  errorBudget: {
    /** The period window, as far as this process has seen it. */
    window: string
    coverage: number
    /** Share of the period's budget spent (1 = all of it). */
    consumed: number
    /** 1 - consumed; negative when overspent. */
    remaining: number
  }
  alerts: AlertStatus[]
}

export interface SloStatusReport {
  at: number
  slos: SloStatus[]
}

interface AlertState {
  readonly params: AlertParams
  active: boolean
  since: number | null
  longBurn: number
  shortBurn: number
}

/** One SLO: its ring of counts and its alert states. */
export class SloTracker {
  readonly params: SloParams
  readonly window: TieredWindow
  /** Every window the status reports: the alert windows and the period, ascending. */
  readonly windows: readonly number[]
  readonly alerts: AlertState[]

  constructor (params: SloParams, now: number) {
    this.params = params
    this.window = new TieredWindow(params.periodMs, now)
    const windows = new Set<number>([params.periodMs])
    for (const a of params.alerts) windows.add(a.longMs).add(a.shortMs)
    this.windows = [...windows].sort((a, b) => a - b)
    this.alerts = params.alerts.map((a) => ({ params: a, active: false, since: null, longBurn: 0, shortBurn: 0 }))
  }

  burnRate (now: number, windowMs: number): number {
    const { total, bad } = this.window.sum(now, windowMs)
    return total === 0 ? 0 : tidy(bad / total / this.params.budget)
  }

  /** Re-evaluates every alert; returns the transitions. */
  evaluate (now: number): SloTransitionEvent[] {
    const events: SloTransitionEvent[] = []
    const { hysteresis } = this.params
    for (const alert of this.alerts) {
      const { burnRate, longMs, shortMs, severity } = alert.params
      alert.longBurn = this.burnRate(now, longMs)
      alert.shortBurn = this.burnRate(now, shortMs)
      let next = alert.active
      if (!alert.active && alert.longBurn >= burnRate && alert.shortBurn >= burnRate) next = true
      const floor = burnRate * (1 - hysteresis)
      if (alert.active && (alert.longBurn < floor || alert.shortBurn < floor)) next = false
      if (next === alert.active) continue
      alert.active = next
      alert.since = next ? now : null
      events.push({
        slo: this.params.name,
        severity,
        state: next ? 'firing' : 'resolved',
        longWindow: formatDuration(longMs),
        shortWindow: formatDuration(shortMs),
        burnRate,
        longBurnRate: alert.longBurn,
        shortBurnRate: alert.shortBurn,
        at: now
      })
    }
    return events
  }

  status (now: number): SloStatus {
    const p = this.params
    const historyMs = Math.max(0, now - this.window.startedAt)
    const windows = this.windows.map((windowMs): WindowStatus => {
      const { total, bad } = this.window.sum(now, windowMs)
      const errorRatio = total === 0 ? 0 : bad / total
      return {
        window: formatDuration(windowMs),
        windowMs,
        good: total - bad,
        bad,
        total,
        errorRatio,
        burnRate: tidy(errorRatio / p.budget),
        coverage: Math.min(1, historyMs / windowMs)
      }
    })
    const period = windows.find((w) => w.windowMs === p.periodMs) as WindowStatus
    return {
      name: p.name,
      description: p.description,
      target: p.target,
      periodDays: p.periodDays,
      sli: p.kind === 'latency' ? { kind: 'latency', thresholdMs: p.thresholdMs } : { kind: 'availability' },
      historyMs,
      lifetime: { good: this.window.total - this.window.bad, bad: this.window.bad, total: this.window.total },
      windows,
      errorBudget: {
        window: period.window,
        coverage: period.coverage,
        consumed: period.burnRate,
        remaining: tidy(1 - period.burnRate)
      },
      alerts: this.alerts.map((a) => ({
        severity: a.params.severity,
        longWindow: formatDuration(a.params.longMs),
        shortWindow: formatDuration(a.params.shortMs),
        burnRate: a.params.burnRate,
        longBurnRate: a.longBurn,
        shortBurnRate: a.shortBurn,
        active: a.active,
        since: a.since
      }))
    }
  }
}

export interface EngineLogger {
  warn (obj: object, msg: string): void
  info (obj: object, msg: string): void
}

/** Evaluates every SLO, publishes transitions and logs one line for each. */
export class SloEngine {
  readonly trackers: readonly SloTracker[]
  private readonly now: () => number
  private readonly log: EngineLogger

  constructor (slos: readonly SloParams[], now: () => number, log: EngineLogger) {
    this.now = now
    this.log = log
    const start = now()
    this.trackers = slos.map((s) => new SloTracker(s, start))
  }

  evaluate (): void {
    const now = this.now()
    for (const tracker of this.trackers) {
      for (const event of tracker.evaluate(now)) {
        if (event.state === 'firing') {
          this.log.warn({ slo: event }, `SLO ${event.slo}: ${event.severity} burn-rate alert firing (${event.longWindow}/${event.shortWindow} over ${event.burnRate}x)`)
        } else {
          this.log.info({ slo: event }, `SLO ${event.slo}: ${event.severity} burn-rate alert resolved (${event.longWindow}/${event.shortWindow})`)
        }
        if (sloChannel.hasSubscribers) sloChannel.publish(event)
      }
    }
  }

  /** Evaluates, then reports every SLO. */
  status (): SloStatusReport {
    this.evaluate()
    const at = this.now()
    return { at, slos: this.trackers.map((t) => t.status(at)) }
  }
}

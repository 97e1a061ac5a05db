import { HealthCheckFailedError, HealthCheckStaleError, HealthCheckTimeoutError } from './errors.js'
import type { CheckParams, CheckState, HealthCheckResult } from './options.js'

/** Last successful observation, as published in `/health`. */
export interface Observation {
  readonly observedValue: number | string | boolean | null
  readonly observedUnit: string | undefined
  readonly details: Record<string, unknown> | undefined
}

type Outcome = { ok: true, value: unknown } | { ok: false, error: unknown }

function isResultObject (value: unknown): value is HealthCheckResult {
  return typeof value === 'object' && value !== null
}

/**
 * One registered check: runs it under a timeout, keeps the last result and applies the
 * failure/success thresholds. Never throws; every outcome becomes state.
 */
export class Check {
  readonly params: CheckParams
  /** Set when the check was added after the service first became ready. */
  readonly late: boolean
  state: CheckState = 'unknown'
  /** Effective state last announced (transition events and logs). */
  reported: CheckState = 'unknown'
  passedOnce = false
  consecutiveFailures = 0
  consecutiveSuccesses = 0
  /** Number of settled runs. */
  results = 0
  /** `Date.now()` of the last settled run (meaningless while `results` is 0). */
  lastResultAt = 0
  lastDurationMs = 0
  observation: Observation | null = null
  lastError: unknown = null
  /** On-demand mode: when a refresh was first needed and has not completed yet. */
  expectedSince: number | null = null

  #onSettled: (check: Check) => void
  #inflight: Promise<void> | null = null
  #timer: NodeJS.Timeout | null = null
  #cancel: ((reason: unknown) => void) | null = null
  #started = false
  #stopped = false

  constructor (params: CheckParams, late: boolean, onSettled: (check: Check) => void) {
    this.params = params
    this.late = late
    this.#onSettled = onSettled
  }

  /** First run now; background checks then reschedule themselves. Called once. */
  start (): void {
    this.#started = true
    this.run()
  }

  /** Stops timers and aborts a run in progress. */
  stop (): void {
    this.#stopped = true
    if (this.#timer !== null) clearTimeout(this.#timer)
    this.#timer = null
    this.#cancel?.(new HealthCheckFailedError('the application is closing'))
  }

  /** Starts a run; callers make sure none is in flight (background runs are sequential, `touch` checks). */
  run (): void {
    this.#inflight = this.#execute()
  }

  /** On-demand mode: starts one refresh when the cached result has expired. Probes never wait for it. */
  touch (now: number): void {
    const ttl = this.params.ttlMs
    if (ttl === null || !this.#started || this.#stopped || this.#inflight !== null) return
    if (now - this.lastResultAt < ttl) return
    this.expectedSince ??= now
    this.run()
  }

  /** Time at which a passing result turns stale. */
  staleAt (): number {
    if (this.params.ttlMs === null) return this.lastResultAt + this.params.staleAfterMs
    return this.expectedSince === null ? Infinity : this.expectedSince + this.params.staleAfterMs
  }

  /** State with staleness applied: an old pass is a failure. */
  effective (now: number): CheckState {
    return this.state === 'pass' && now > this.staleAt() ? 'fail' : this.state
  }

  /** The reason behind a failing effective state: a pass can only fail by going stale. */
  reason (): unknown {
    return this.state === 'pass' ? new HealthCheckStaleError(this.params.staleAfterMs) : this.lastError
  }

  async #execute (): Promise<void> {
    const { timeoutMs } = this.params
    const controller = new AbortController()
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<never>((_resolve, reject) => {
      this.#cancel = (reason) => {
        controller.abort(reason)
        reject(reason)
      }
      timer = setTimeout(() => this.#cancel?.(new HealthCheckTimeoutError(timeoutMs)), timeoutMs)
      timer.unref()
    })
    const started = performance.now()
    let outcome: Outcome
    try {
      // an async wrapper turns a synchronous throw into a rejection
      const value = await Promise.race([(async () => await this.params.check({ signal: controller.signal }))(), deadline])
      outcome = { ok: true, value }
    } catch (error) {
      outcome = { ok: false, error }
    } finally {
      clearTimeout(timer)
      this.#cancel = null
      this.#inflight = null
    }
    if (this.#stopped) return
    this.#record(outcome, performance.now() - started)
    if (this.params.intervalMs !== null) this.#schedule(this.params.intervalMs)
    this.#onSettled(this)
  }

  #schedule (intervalMs: number): void {
    const spread = this.params.jitter * (2 * Math.random() - 1)
    this.#timer = setTimeout(() => {
      this.#timer = null
      this.run()
    }, Math.max(1, Math.round(intervalMs * (1 + spread))))
    this.#timer.unref()
  }

  #record (outcome: Outcome, durationMs: number): void {
    this.results++
    this.lastResultAt = Date.now()
    this.lastDurationMs = durationMs
    this.expectedSince = null
    const { failureThreshold, successThreshold, measurement } = this.params
    if (outcome.ok) {
      const result = isResultObject(outcome.value) ? outcome.value : {}
      const defaultValue = measurement === 'responseTime' ? Math.round(durationMs * 1000) / 1000 : null
      this.observation = {
        observedValue: result.observedValue ?? defaultValue,
        observedUnit: result.observedUnit ?? (result.observedValue === undefined && defaultValue !== null ? 'ms' : undefined),
        details: isResultObject(result.details) ? result.details : undefined
      }
      this.lastError = null
      this.consecutiveFailures = 0
      this.consecutiveSuccesses++
      if (this.state !== 'pass' && this.consecutiveSuccesses >= successThreshold) {
        this.state = 'pass'
        this.passedOnce = true
      }
    } else {
      this.lastError = outcome.error instanceof Error
        ? outcome.error
        : new HealthCheckFailedError(String(outcome.error), { cause: outcome.error })
      this.consecutiveSuccesses = 0
      this.consecutiveFailures++
      // hysteresis protects a passing check; one that never passed fails on its first failure
      if (this.state === 'unknown' || (this.state === 'pass' && this.consecutiveFailures >= failureThreshold)) {
        this.state = 'fail'
      }
    }
  }
}

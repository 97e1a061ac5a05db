import { BreakerOpenError, withRetryAfter } from '../errors.js'
import { stateChannel } from './channels.js'
import type { BreakerParams, BreakerState, StateChangeEvent, TransitionReason } from './options.js'
import { CountWindow, TimeWindow } from './window.js'
import type { OutcomeWindow } from './window.js'

// Numeric states: CLOSED and DISABLED (< HALF_OPEN) admit every call without a clock read.
export const CLOSED = 0
export const DISABLED = 1
export const HALF_OPEN = 2
export const OPEN = 3
export const ISOLATED = 4

const NAMES: readonly BreakerState[] = ['closed', 'disabled', 'half-open', 'open', 'isolated']

/** acquire() results. */
export const REJECT = -1
export const PROBE = 1

/** Retry-After of a call refused while probes are in flight. */
const HALF_OPEN_RETRY_AFTER_MS = 1000

/**
 * The breaker state machine (Resilience4j model). `generation` changes on every transition: an
 * outcome is recorded only if the generation it was admitted in is still current, so a call
 * that outlives a transition (a hung probe, a call admitted before the breaker opened) never
 * skews the new state.
 */
export class CircuitState {
  state: number
  generation = 0
  readonly window: OutcomeWindow | null
  readonly params: BreakerParams | null
  openUntil = 0
  #halfOpenSince = 0
  #probesAdmitted = 0
  #probesDone = 0
  #probeFailures = 0
  #probeSlow = 0
  #reopens = 0
  #lastFailure: unknown = undefined
  readonly #name: string
  readonly #key: string | null
  readonly #onChange: ((event: StateChangeEvent) => void) | null

  constructor (params: BreakerParams | null, name: string, key: string | null, onChange: ((event: StateChangeEvent) => void) | null) {
    this.params = params
    this.#name = name
    this.#key = key
    this.#onChange = onChange
    this.state = params === null ? DISABLED : CLOSED
    this.window = params === null
      ? null
      : params.windowType === 'count' ? new CountWindow(params.windowSize) : new TimeWindow(params.windowMs, params.windowBuckets)
  }

  isOpen (): boolean {
    return this.state === OPEN
  }

  /** Public state name, without the lazy transition (`current()` performs it). */
  name (): BreakerState {
    return NAMES[this.state] as BreakerState
  }

  /** Public state name; performs the lazy open → half-open transition. */
  current (now: number): BreakerState {
    if (this.state === OPEN && now >= this.openUntil) this.#toHalfOpen(now)
    return NAMES[this.state] as BreakerState
  }

  /** Admission for a call made while not CLOSED/DISABLED. */
  acquire (now: number): number {
    let state = this.state
    if (state === OPEN) {
      if (now < this.openUntil) return REJECT
      this.#toHalfOpen(now)
      state = HALF_OPEN
    }
    if (state === HALF_OPEN) {
      const p = this.params as BreakerParams
      if (this.#probesAdmitted < p.halfOpenCalls) {
        this.#probesAdmitted++
        return PROBE
      }
      if (now - this.#halfOpenSince >= p.halfOpenMaxWaitMs) this.#toOpen(now, 'half-open-timeout')
      return REJECT
    }
    return REJECT // ISOLATED
  }

  /** The error for a refused call, with the time until calls are admitted again. */
  rejection (now: number): Error {
    const p = this.params as BreakerParams
    let wait = HALF_OPEN_RETRY_AFTER_MS
    if (this.state === OPEN) wait = this.openUntil - now
    else if (this.state === ISOLATED) wait = p.openMs
    const err = new BreakerOpenError(this.#name, { cause: this.#lastFailure })
    return withRetryAfter(err, wait)
  }

  /** A probe slot taken by a call that was then not run, or whose outcome is ignored. */
  releaseProbe (generation: number): void {
    if (generation === this.generation && this.state === HALF_OPEN) this.#probesAdmitted--
  }

  /**
   * `now` is only needed by a time-based window (whose callers always read the clock); it may
   * be -1 otherwise. Transitions, which are rare, read the clock themselves.
   */
  success (generation: number, now: number, slow: boolean): void {
    if (generation !== this.generation) return
    if (this.state === CLOSED) this.#closedRecord(now, false, slow, undefined)
    else if (this.state === HALF_OPEN) this.#probeRecord(false, slow, undefined)
  }

  failure (generation: number, now: number, slow: boolean, error: unknown): void {
    if (generation !== this.generation) return
    if (this.state === CLOSED) this.#closedRecord(now, true, slow, error)
    else if (this.state === HALF_OPEN) this.#probeRecord(true, slow, error)
  }

  isolate (now: number): void {
    if (this.params !== null) this.#transition(ISOLATED, now, 'isolate', 0)
  }

  disable (now: number): void {
    this.#transition(DISABLED, now, 'disable', 0)
  }

  reset (now: number): void {
    if (this.params === null) return
    this.#reopens = 0
    this.#transition(CLOSED, now, 'reset', 0)
  }

  #closedRecord (now: number, failed: boolean, slow: boolean, error: unknown): void {
    const w = this.window as OutcomeWindow
    const p = this.params as BreakerParams
    w.record(now, failed, slow)
    if (failed) this.#lastFailure = error
    const total = w.total
    if (total < p.minimumCalls) return
    if (w.failures * 100 >= p.failureRateThreshold * total) this.#toOpen(Date.now(), 'failure-rate')
    else if (w.slow * 100 >= p.slowCallRateThreshold * total) this.#toOpen(Date.now(), 'slow-call-rate')
  }

  #probeRecord (failed: boolean, slow: boolean, error: unknown): void {
    const now = Date.now()
    const p = this.params as BreakerParams
    const n = p.halfOpenCalls
    this.#probesDone++
    if (failed) { this.#probeFailures++; this.#lastFailure = error }
    if (slow) this.#probeSlow++
    // Open as soon as the threshold is reached, even before every probe has answered.
    if (this.#probeFailures * 100 >= p.failureRateThreshold * n || this.#probeSlow * 100 >= p.slowCallRateThreshold * n) {
      this.#toOpen(now, 'probes-failed')
    } else if (this.#probesDone >= n) {
      this.#reopens = 0
      this.#transition(CLOSED, now, 'probes-succeeded', 0)
    }
  }

  #toOpen (now: number, reason: TransitionReason): void {
    const p = this.params as BreakerParams
    const from = this.state
    if (from === HALF_OPEN) this.#reopens++
    let d = Math.min(p.maxOpenMs, p.openMs * p.openMultiplier ** this.#reopens)
    if (p.openJitter > 0) d = Math.min(p.maxOpenMs, d * (1 - p.openJitter + 2 * p.openJitter * Math.random()))
    this.openUntil = now + d
    this.#transition(OPEN, now, reason, d)
  }

  #toHalfOpen (now: number): void {
    this.#halfOpenSince = now
    this.#probesAdmitted = 0
    this.#probesDone = 0
    this.#probeFailures = 0
    this.#probeSlow = 0
    this.#transition(HALF_OPEN, now, 'open-elapsed', 0)
  }

  #transition (to: number, now: number, reason: TransitionReason, openMs: number): void {
    const from = this.state
    this.state = to
    this.generation++
    if (to === CLOSED) this.window?.reset()
    const onChange = this.#onChange
    if (onChange === null && !stateChannel.hasSubscribers) return
    const event: StateChangeEvent = {
      name: this.#name,
      key: this.#key,
      from: NAMES[from] as BreakerState,
      to: NAMES[to] as BreakerState,
      reason,
      at: now,
      openMs
    }
    if (stateChannel.hasSubscribers) stateChannel.publish(event)
    if (onChange !== null) onChange(event)
  }
}

import { inspect } from 'node:util'
import { InvalidOptionError } from '../errors.js'
import type { Jitter } from './backoff.js'
import type { TimerHeap } from './timers.js'

/** How an outcome counts for the circuit breaker (and whether it may be retried). */
export type Verdict = 'success' | 'failure' | 'ignore'

/** Public breaker states. `isolated` is Resilience4j's FORCED_OPEN. */
export type BreakerState = 'closed' | 'open' | 'half-open' | 'isolated' | 'disabled'

/** Why a breaker changed state (carried by `highload:breaker:state` and `onStateChange`). */
export type TransitionReason =
  | 'failure-rate' | 'slow-call-rate' | 'open-elapsed' | 'probes-succeeded' | 'probes-failed'
  | 'half-open-timeout' | 'isolate' | 'reset' | 'disable'

export interface StateChangeEvent {
  /** Dependency name. */
  name: string
  /** Per-key breaker key, or null for the dependency's own breaker. */
  key: string | null
  from: BreakerState
  to: BreakerState
  reason: TransitionReason
  /** Time of the transition (Date.now() clock). */
  at: number
  /** For `open`: how long the breaker stays open, in ms. 0 otherwise. */
  openMs: number
}

export interface BreakerOptions {
  /**
   * `count`: the last `windowSize` calls. `time`: the calls of the last `windowMs`.
   * @default 'count'
   */
  windowType?: 'count' | 'time'
  /**
   * Calls kept by a count-based window.
   * @default 100
   */
  windowSize?: number
  /**
   * Length of a time-based window, in ms.
   * @default 10000
   */
  windowMs?: number
  /**
   * Buckets of a time-based window (its resolution is `windowMs / windowBuckets`).
   * @default 10
   */
  windowBuckets?: number
  /**
   * Calls the window must hold before a rate is computed; below it the breaker never opens.
   * @default 20
   */
  minimumCalls?: number
  /**
   * Open when failed calls are at least this percentage of the window (0 < x <= 100).
   * @default 50
   */
  failureRateThreshold?: number
  /**
   * A call that takes at least this long is slow. Unset: slow calls are not tracked (and the
   * closed path reads no clock).
   * @default undefined
   */
  slowCallDurationMs?: number
  /**
   * Open when slow calls are at least this percentage of the window (0 < x <= 100).
   * @default 100
   */
  slowCallRateThreshold?: number
  /**
   * How long the breaker stays open before admitting probes, in ms.
   * @default 5000
   */
  openMs?: number
  /**
   * Each re-open without a successful close in between multiplies the open time by this (>= 1).
   * @default 1
   */
  openMultiplier?: number
  /**
   * Upper bound of the open time when it grows.
   * @default 60000
   */
  maxOpenMs?: number
  /**
   * Random spread of the open time, as a fraction (0.1 = ±10 %), so a fleet does not probe in step.
   * @default 0
   */
  openJitter?: number
  /**
   * Probe calls admitted in half-open; the rest fail fast. They close the breaker when their
   * failure and slow rates stay under the thresholds.
   * @default 5
   */
  halfOpenCalls?: number
  /**
   * When every probe slot has been taken for this long without a verdict (a probe hangs), the
   * next call re-opens the breaker instead of waiting forever.
   * @default 30000
   */
  halfOpenMaxWaitMs?: number
}

export interface BulkheadOptions {
  /**
   * Concurrent attempts allowed; more fail fast with `HL_BREAKER_BULKHEAD_FULL`.
   * @default 100
   */
  maxConcurrent?: number
  /**
   * `retryAfterMs` (and the rounded-up `Retry-After`) of a bulkhead rejection.
   * @default 1000
   */
  retryAfterMs?: number
}

export interface RetryBudgetOptions {
  /**
   * Retries allowed as a fraction of first attempts over the window.
   * @default 0.2
   */
  ratio?: number
  /**
   * Floor: retries per second always allowed, so a quiet dependency can still be retried.
   * @default 10
   */
  minPerSecond?: number
  /**
   * Window over which attempts and retries are counted.
   * @default 10000
   */
  windowMs?: number
}

export interface RetryOptions {
  /**
   * Attempts in total, the first one included.
   * @default 3
   */
  maxAttempts?: number
  /**
   * Base of the exponential back-off.
   * @default 100
   */
  baseDelayMs?: number
  /**
   * Cap of the exponential back-off.
   * @default 5000
   */
  maxDelayMs?: number
  /**
   * `full`: random in [0, exp). `decorrelated`: AWS min(cap, random(base, 3 × previous)). `none`: exp.
   * @default 'full'
   */
  jitter?: Jitter
  /**
   * Whether calls are idempotent unless the call says otherwise (`{ idempotent }`). Only
   * idempotent calls are retried.
   * @default false
   */
  idempotent?: boolean
  /**
   * A 429/503 `Retry-After` longer than this stops retrying (shorter ones are waited for).
   * @default 30000
   */
  maxRetryAfterMs?: number
  /**
   * Retry budget shared by every call of the dependency. `false` removes it (not recommended).
   * @default { ratio: 0.2, minPerSecond: 10, windowMs: 10000 }
   */
  budget?: RetryBudgetOptions | false
}

export interface PolicyOptions {
  /**
   * Dependency name used in errors and events.
   * @default 'default'
   */
  name?: string
  /**
   * Total time for the call, retries and back-off included (outermost layer). Unset: none.
   * @default undefined
   */
  deadlineMs?: number
  /**
   * Retries (second layer). `false` or unset: a single attempt.
   * @default false
   */
  retry?: RetryOptions | false
  /**
   * Circuit breaker (third layer). `false`: no breaker.
   * @default {}
   */
  breaker?: BreakerOptions | false
  /**
   * Concurrency limit (fourth layer). `false` or unset: no limit.
   * @default false
   */
  bulkhead?: BulkheadOptions | false
  /**
   * Timeout of each attempt (innermost layer), counted as a failure. Unset: none.
   * @default undefined
   */
  timeoutMs?: number
  /**
   * Classifies a thrown error. `ignore` counts neither way and is not retried.
   * @default () => 'failure'
   */
  classifyError?: (error: unknown) => Verdict
  /**
   * Classifies a returned value (an HTTP response with status 503, say). The value is still
   * returned to the caller; a `failure` is counted and may be retried.
   * @default () => 'success'
   */
  classifyResult?: (result: unknown) => Verdict
  /**
   * Called synchronously on every state transition.
   * @default undefined
   */
  onStateChange?: (event: StateChangeEvent) => void
  /**
   * Timer heap for timeouts, deadlines and back-off. Policies share one by default.
   * @default the module-wide heap
   */
  timers?: TimerHeap
}

export interface BreakerParams {
  readonly windowType: 'count' | 'time'
  readonly windowSize: number
  readonly windowMs: number
  readonly windowBuckets: number
  readonly minimumCalls: number
  readonly failureRateThreshold: number
  readonly slowCallDurationMs: number
  readonly slowCallRateThreshold: number
  readonly openMs: number
  readonly openMultiplier: number
  readonly maxOpenMs: number
  readonly openJitter: number
  readonly halfOpenCalls: number
  readonly halfOpenMaxWaitMs: number
}

export interface RetryParams {
  readonly maxAttempts: number
  readonly baseDelayMs: number
  readonly maxDelayMs: number
  readonly jitter: Jitter
  readonly idempotent: boolean
  readonly maxRetryAfterMs: number
  readonly budget: { readonly ratio: number, readonly minPerSecond: number, readonly windowMs: number } | null
}

export interface PolicyParams {
  readonly name: string
  readonly deadlineMs: number
  readonly retry: RetryParams | null
  readonly breaker: BreakerParams | null
  readonly maxConcurrent: number
  readonly bulkheadRetryAfterMs: number
  readonly timeoutMs: number
  readonly classifyError: ((error: unknown) => Verdict) | null
  readonly classifyResult: ((result: unknown) => Verdict) | null
  readonly onStateChange: ((event: StateChangeEvent) => void) | null
  readonly timers: TimerHeap | null
}

function show (value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Infinity })
}

export function fail (path: string, value: unknown, expected: string): never {
  throw new InvalidOptionError(path, show(value), expected)
}

export function checkObject (path: string, value: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, value, 'an object')
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(path + '.' + key, (value as Record<string, unknown>)[key], 'one of the known options: ' + allowed.join(', '))
  }
  return value as Record<string, unknown>
}

export function num (path: string, value: unknown, def: number, min: number, max: number, integer: boolean, minExclusive = false): number {
  if (value === undefined) return def
  if (typeof value !== 'number' || Number.isNaN(value) || (integer && !Number.isInteger(value)) ||
    value > max || (minExclusive ? value <= min : value < min)) {
    const kind = integer ? 'an integer' : 'a number'
    const range = max === Infinity
      ? (minExclusive ? ` > ${min}` : ` >= ${min}`)
      : ` in ${minExclusive ? '(' : '['}${min}, ${max}]`
    fail(path, value, kind + range)
  }
  return value
}

function ms (path: string, value: unknown, def: number): number {
  return num(path, value, def, 0, Infinity, false, true)
}

function bool (path: string, value: unknown, def: boolean): boolean {
  if (value === undefined) return def
  if (typeof value !== 'boolean') fail(path, value, 'a boolean')
  return value
}

function oneOf<T extends string> (path: string, value: unknown, def: T, allowed: readonly T[]): T {
  if (value === undefined) return def
  if (!allowed.includes(value as T)) fail(path, value, 'one of ' + allowed.map((a) => `'${a}'`).join(', '))
  return value as T
}

function fn<F> (path: string, value: unknown): F | null {
  if (value === undefined) return null
  if (typeof value !== 'function') fail(path, value, 'a function')
  return value as F
}

const POLICY_KEYS = ['name', 'deadlineMs', 'retry', 'breaker', 'bulkhead', 'timeoutMs', 'classifyError', 'classifyResult', 'onStateChange', 'timers'] as const
const BREAKER_KEYS = ['windowType', 'windowSize', 'windowMs', 'windowBuckets', 'minimumCalls', 'failureRateThreshold', 'slowCallDurationMs', 'slowCallRateThreshold', 'openMs', 'openMultiplier', 'maxOpenMs', 'openJitter', 'halfOpenCalls', 'halfOpenMaxWaitMs'] as const
const RETRY_KEYS = ['maxAttempts', 'baseDelayMs', 'maxDelayMs', 'jitter', 'idempotent', 'maxRetryAfterMs', 'budget'] as const
const BUDGET_KEYS = ['ratio', 'minPerSecond', 'windowMs'] as const
const BULKHEAD_KEYS = ['maxConcurrent', 'retryAfterMs'] as const

function normalizeBreaker (path: string, value: unknown): BreakerParams | null {
  if (value === false) return null
  const o = checkObject(path, value === undefined ? {} : value, BREAKER_KEYS)
  const windowMs = ms(path + '.windowMs', o.windowMs, 10_000)
  const openMs = ms(path + '.openMs', o.openMs, 5_000)
  const params: BreakerParams = {
    windowType: oneOf(path + '.windowType', o.windowType, 'count', ['count', 'time']),
    windowSize: num(path + '.windowSize', o.windowSize, 100, 1, 1e6, true),
    windowMs,
    windowBuckets: num(path + '.windowBuckets', o.windowBuckets, 10, 1, 1000, true),
    minimumCalls: num(path + '.minimumCalls', o.minimumCalls, 20, 1, Infinity, true),
    failureRateThreshold: num(path + '.failureRateThreshold', o.failureRateThreshold, 50, 0, 100, false, true),
    slowCallDurationMs: ms(path + '.slowCallDurationMs', o.slowCallDurationMs, Infinity),
    slowCallRateThreshold: num(path + '.slowCallRateThreshold', o.slowCallRateThreshold, 100, 0, 100, false, true),
    openMs,
    openMultiplier: num(path + '.openMultiplier', o.openMultiplier, 1, 1, Infinity, false),
    maxOpenMs: num(path + '.maxOpenMs', o.maxOpenMs, Math.max(60_000, openMs), openMs, Infinity, false),
    openJitter: num(path + '.openJitter', o.openJitter, 0, 0, 1, false),
    halfOpenCalls: num(path + '.halfOpenCalls', o.halfOpenCalls, 5, 1, Infinity, true),
    halfOpenMaxWaitMs: ms(path + '.halfOpenMaxWaitMs', o.halfOpenMaxWaitMs, 30_000)
  }
  if (params.windowType === 'count' && params.minimumCalls > params.windowSize) {
    fail(path + '.minimumCalls', params.minimumCalls, `at most windowSize (${params.windowSize}), or the breaker could never open`)
  }
  return Object.freeze(params)
}

function normalizeRetry (path: string, value: unknown): RetryParams | null {
  if (value === undefined || value === false) return null
  const o = checkObject(path, value, RETRY_KEYS)
  const baseDelayMs = num(path + '.baseDelayMs', o.baseDelayMs, 100, 0, Infinity, false)
  let budget: RetryParams['budget'] = null
  if (o.budget !== false) {
    const b = checkObject(path + '.budget', o.budget === undefined ? {} : o.budget, BUDGET_KEYS)
    budget = Object.freeze({
      ratio: num(path + '.budget.ratio', b.ratio, 0.2, 0, 1, false),
      minPerSecond: num(path + '.budget.minPerSecond', b.minPerSecond, 10, 0, Infinity, false),
      windowMs: ms(path + '.budget.windowMs', b.windowMs, 10_000)
    })
  }
  return Object.freeze({
    maxAttempts: num(path + '.maxAttempts', o.maxAttempts, 3, 1, 100, true),
    baseDelayMs,
    maxDelayMs: num(path + '.maxDelayMs', o.maxDelayMs, Math.max(5_000, baseDelayMs), baseDelayMs, Infinity, false),
    jitter: oneOf(path + '.jitter', o.jitter, 'full', ['full', 'decorrelated', 'none']),
    idempotent: bool(path + '.idempotent', o.idempotent, false),
    maxRetryAfterMs: num(path + '.maxRetryAfterMs', o.maxRetryAfterMs, 30_000, 0, Infinity, false),
    budget
  })
}

/** Validates policy options once; the result is frozen and read as is on every call. */
export function normalizePolicy (options: unknown, path = 'options'): PolicyParams {
  const o = checkObject(path, options ?? {}, POLICY_KEYS)
  const name = o.name ?? 'default'
  if (typeof name !== 'string' || name.length === 0) fail(path + '.name', name, 'a non-empty string')
  let maxConcurrent = Infinity
  let bulkheadRetryAfterMs = 1000
  if (o.bulkhead !== undefined && o.bulkhead !== false) {
    const b = checkObject(path + '.bulkhead', o.bulkhead, BULKHEAD_KEYS)
    maxConcurrent = num(path + '.bulkhead.maxConcurrent', b.maxConcurrent, 100, 1, Infinity, true)
    bulkheadRetryAfterMs = ms(path + '.bulkhead.retryAfterMs', b.retryAfterMs, 1000)
  }
  const timers = o.timers
  if (timers !== undefined && (timers === null || typeof timers !== 'object' || typeof (timers as TimerHeap).add !== 'function')) {
    fail(path + '.timers', timers, 'a TimerHeap')
  }
  return Object.freeze({
    name,
    deadlineMs: ms(path + '.deadlineMs', o.deadlineMs, Infinity),
    retry: normalizeRetry(path + '.retry', o.retry),
    breaker: normalizeBreaker(path + '.breaker', o.breaker),
    maxConcurrent,
    bulkheadRetryAfterMs,
    timeoutMs: ms(path + '.timeoutMs', o.timeoutMs, Infinity),
    classifyError: fn<(error: unknown) => Verdict>(path + '.classifyError', o.classifyError),
    classifyResult: fn<(result: unknown) => Verdict>(path + '.classifyResult', o.classifyResult),
    onStateChange: fn<(event: StateChangeEvent) => void>(path + '.onStateChange', o.onStateChange),
    timers: (timers as TimerHeap | undefined) ?? null
  })
}

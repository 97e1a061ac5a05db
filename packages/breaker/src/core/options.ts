import {
  boolean, createParser, custom, derived, func, integer, ms, number, object, oneOf, orFalse, text,
  type Output, type Parsed, type RulesOf
} from '@highload/options'
import { BreakerInvalidOptionError } from '../errors.js'
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
   * Upper bound of the open time when it grows; at least `openMs`.
   * @default max(60000, openMs)
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
   * Cap of the exponential back-off; at least `baseDelayMs`.
   * @default max(5000, baseDelayMs)
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

/**
 * A policy's options. `R` is what the work returns, so a typed `classifyResult` needs no cast:
 * `createPolicy({ classifyResult: (res: Response) => ... })` is a `Policy<Response>`.
 */
export interface PolicyOptions<R = unknown> {
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
  // Method syntax on purpose: its parameter is checked bivariantly, so options typed with the
  // default `R = unknown` (a plugin dependency, whose work is not known at registration) accept
  // `(res: Response) => ...` without a cast, while an unannotated classifier still gets `unknown`.
  /**
   * Classifies a returned value (an HTTP response with status 503, say). The value is still
   * returned to the caller; a `failure` is counted and may be retried.
   * @default () => 'success'
   */
  classifyResult?(result: R): Verdict
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

/** The layers and classifiers: `PolicyOptions` without `name` and `timers` (what a plugin dependency configures). */
export type LayerOptions<R = unknown> = Omit<PolicyOptions<R>, 'name' | 'timers'>

/** An outcome classifier as the engine calls it. */
export type Classifier = (outcome: unknown) => Verdict

const PERCENT = { above: 0, max: 100 } as const

/** The rules of `BreakerOptions`; `minimumCalls` and `maxOpenMs` are checked against the others. */
export const breakerRules = {
  windowType: oneOf(['count', 'time'], { default: 'count' }),
  windowSize: integer({ default: 100, min: 1, max: 1_000_000 }),
  windowMs: ms({ default: 10_000, above: 0 }),
  windowBuckets: integer({ default: 10, min: 1, max: 1000 }),
  minimumCalls: integer({ default: 20, min: 1 }),
  failureRateThreshold: number({ default: 50, ...PERCENT }),
  slowCallDurationMs: ms({ above: 0 }),
  slowCallRateThreshold: number({ default: 100, ...PERCENT }),
  openMs: ms({ default: 5000, above: 0 }),
  openMultiplier: number({ default: 1, min: 1 }),
  maxOpenMs: ms({ default: derived('max(60000, openMs)'), above: 0 }),
  openJitter: number({ default: 0, min: 0, max: 1 }),
  halfOpenCalls: integer({ default: 5, min: 1 }),
  halfOpenMaxWaitMs: ms({ default: 30_000, above: 0 })
} satisfies RulesOf<BreakerOptions>

/** Normalised breaker options: every value set (an untracked slow-call duration is `Infinity`). */
export type BreakerParams = Readonly<Required<BreakerOptions>>

export const breakerRule = object(breakerRules, {
  refine: (o, fail): BreakerParams => {
    if (o.windowType === 'count' && o.minimumCalls > o.windowSize) {
      fail('minimumCalls', o.minimumCalls, `at most windowSize (${o.windowSize}), or the breaker could never open`)
    }
    if (o.maxOpenMs !== undefined && o.maxOpenMs < o.openMs) fail('maxOpenMs', o.maxOpenMs, `at least openMs (${o.openMs})`)
    return {
      ...o,
      slowCallDurationMs: o.slowCallDurationMs ?? Infinity,
      maxOpenMs: o.maxOpenMs ?? Math.max(60_000, o.openMs)
    }
  }
})

/** The rules of `RetryBudgetOptions`. */
export const retryBudgetRules = {
  ratio: number({ default: 0.2, min: 0, max: 1 }),
  minPerSecond: number({ default: 10, min: 0 }),
  windowMs: ms({ default: 10_000, above: 0 })
} satisfies RulesOf<RetryBudgetOptions>

export const retryBudgetRule = object(retryBudgetRules)

/** The rules of `RetryOptions`; `maxDelayMs` is checked against `baseDelayMs`. */
export const retryRules = {
  maxAttempts: integer({ default: 3, min: 1, max: 100 }),
  baseDelayMs: ms({ default: 100 }),
  maxDelayMs: ms({ default: derived('max(5000, baseDelayMs)') }),
  jitter: oneOf(['full', 'decorrelated', 'none'], { default: 'full' }),
  idempotent: boolean({ default: false }),
  maxRetryAfterMs: ms({ default: 30_000 }),
  budget: orFalse(retryBudgetRule)
} satisfies RulesOf<RetryOptions>

export type RetryParams = Readonly<Required<Omit<RetryOptions, 'budget'>>> & {
  /** `null`: no budget. */
  readonly budget: Output<typeof retryBudgetRule> | null
}

export const retryRule = object(retryRules, {
  refine: (o, fail): RetryParams => {
    if (o.maxDelayMs !== undefined && o.maxDelayMs < o.baseDelayMs) fail('maxDelayMs', o.maxDelayMs, `at least baseDelayMs (${o.baseDelayMs})`)
    return { ...o, maxDelayMs: o.maxDelayMs ?? Math.max(5000, o.baseDelayMs) }
  }
})

/** The rules of `BulkheadOptions`. */
export const bulkheadRules = {
  maxConcurrent: integer({ default: 100, min: 1 }),
  retryAfterMs: ms({ default: 1000, above: 0 })
} satisfies RulesOf<BulkheadOptions>

export const bulkheadRule = object(bulkheadRules)

/** The rules every policy layer and classifier follows, in a policy and in a plugin dependency. */
export const layerRules = {
  deadlineMs: ms({ above: 0 }),
  retry: orFalse(retryRule, { default: false }),
  breaker: orFalse(breakerRule),
  bulkhead: orFalse(bulkheadRule, { default: false }),
  timeoutMs: ms({ above: 0 }),
  classifyError: func<Classifier>({ doc: "every error is a 'failure'" }),
  classifyResult: func<Classifier>({ doc: "every result is a 'success'" }),
  onStateChange: func<(event: StateChangeEvent) => void>()
} satisfies RulesOf<LayerOptions>

/** The rules of `PolicyOptions`. */
export const policyRules = {
  name: text({ default: 'default' }),
  ...layerRules,
  // Duck-typed, not `instanceof`: a heap from another copy of this package works as well.
  timers: custom<TimerHeap>('a TimerHeap', (value) => typeof (value as TimerHeap | null)?.add === 'function', { doc: 'shared module-wide heap' })
} satisfies RulesOf<PolicyOptions>

/** Validated layer options, as the rules return them. */
export type ParsedLayers = Parsed<typeof layerRules>

/** What the engine reads on every call: validated, normalised, frozen. */
export interface PolicyParams {
  readonly name: string
  /** `Infinity`: no total deadline. */
  readonly deadlineMs: number
  readonly retry: RetryParams | null
  readonly breaker: BreakerParams | null
  /** `Infinity`: no bulkhead. */
  readonly maxConcurrent: number
  readonly bulkheadRetryAfterMs: number
  /** `Infinity`: no attempt timeout. */
  readonly timeoutMs: number
  readonly classifyError: Classifier | null
  readonly classifyResult: Classifier | null
  readonly onStateChange: ((event: StateChangeEvent) => void) | null
  readonly timers: TimerHeap | null
}

/** Builds a policy's params from validated layer options (used by the policy rule and by the plugin). */
export function policyParams (
  layers: ParsedLayers,
  name: string,
  timers: TimerHeap | null,
  onStateChange: ((event: StateChangeEvent) => void) | null = layers.onStateChange ?? null
): PolicyParams {
  return Object.freeze({
    name,
    deadlineMs: layers.deadlineMs ?? Infinity,
    retry: layers.retry,
    breaker: layers.breaker,
    maxConcurrent: layers.bulkhead?.maxConcurrent ?? Infinity,
    bulkheadRetryAfterMs: layers.bulkhead?.retryAfterMs ?? 1000,
    timeoutMs: layers.timeoutMs ?? Infinity,
    classifyError: layers.classifyError ?? null,
    classifyResult: layers.classifyResult ?? null,
    onStateChange,
    timers
  })
}

export const policyRule = object(policyRules, {
  refine: (o): PolicyParams => policyParams(o, o.name, o.timers ?? null)
})

/** Validates policy options once; the result is frozen and read as is on every call. */
export const parsePolicyOptions: (options: unknown) => PolicyParams = createParser(policyRule, BreakerInvalidOptionError)

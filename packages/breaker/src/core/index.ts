/**
 * Framework-free core of @highload/breaker: no Fastify import, usable from any Node.js code
 * (and by @highload/cache and @highload/replicas).
 */
import type { BreakerOptions, BulkheadOptions, PolicyOptions, RetryOptions } from './options.js'
import { Policy } from './policy.js'

export { Policy } from './policy.js'
export type { CallOptions, PolicySnapshot, Work } from './policy.js'
export { TimerHeap, TimerEntry, defaultTimers } from './timers.js'
export { stateChannel, callChannel } from './channels.js'
export type { CallEvent, CallOutcome } from './channels.js'
export { retryAfterMs, backoffDelay } from './backoff.js'
export type { Jitter } from './backoff.js'
export type {
  BreakerOptions, BreakerState, BulkheadOptions, PolicyOptions, RetryBudgetOptions, RetryOptions,
  StateChangeEvent, TransitionReason, Verdict
} from './options.js'
export {
  BreakerOpenError, BreakerBulkheadFullError, BreakerTimeoutError, BreakerDeadlineExceededError,
  BreakerInvalidOptionError, BreakerUnknownDependencyError, codes
} from '../errors.js'
export { withRetryAfter } from '../errors.js'
export type { RetryAfterFields } from '../errors.js'

/**
 * A policy with every layer you configure, composed in the fixed order. `R` is inferred from a
 * typed `classifyResult` (`(res: Response) => ...` makes a `Policy<Response>`).
 */
export function createPolicy<R = unknown> (options?: PolicyOptions<R>): Policy<R> {
  return new Policy(options)
}

/** The options the single-layer helpers share with `PolicyOptions`. */
type Common<R> = Pick<PolicyOptions<R>, 'name' | 'classifyError' | 'classifyResult'>

/** A circuit breaker alone. */
export function circuitBreaker<R = unknown> (options: BreakerOptions & Common<R> & Pick<PolicyOptions<R>, 'onStateChange' | 'timers'> = {}): Policy<R> {
  const { name, classifyError, classifyResult, onStateChange, timers, ...breaker } = options
  return new Policy<R>({ name, classifyError, classifyResult, onStateChange, timers, breaker })
}

/** An attempt timeout alone (no breaker). */
export function timeout (timeoutMs: number, options: Pick<PolicyOptions, 'name' | 'timers'> = {}): Policy {
  return new Policy({ ...options, timeoutMs, breaker: false })
}

/** Budgeted retries alone (no breaker). */
export function retry<R = unknown> (options: RetryOptions & Common<R> & Pick<PolicyOptions<R>, 'timers'> = {}): Policy<R> {
  const { name, classifyError, classifyResult, timers, ...retryOptions } = options
  return new Policy<R>({ name, classifyError, classifyResult, timers, retry: retryOptions, breaker: false })
}

/** A bulkhead alone (no breaker). */
export function bulkhead (maxConcurrent: number, options: Omit<BulkheadOptions, 'maxConcurrent'> & Pick<PolicyOptions, 'name'> = {}): Policy {
  const { name, ...rest } = options
  return new Policy({ name, bulkhead: { ...rest, maxConcurrent }, breaker: false })
}

/**
 * Framework-free core of @highload/breaker: no Fastify import, usable from any Node.js code
 * (and by @highload/cache and @highload/replicas).
 */
import type { BreakerOptions, BulkheadOptions, PolicyOptions, RetryOptions, Verdict } from './options.js'
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
export type { RetryAfterFields } from '../errors.js'

/** A policy with every layer you configure, composed in the fixed order. */
export function createPolicy (options?: PolicyOptions): Policy {
  return new Policy(options)
}

interface Common {
  /** @default 'default' */
  name?: string
  /** @default () => 'failure' */
  classifyError?: (error: unknown) => Verdict
  /** @default () => 'success' */
  classifyResult?: (result: unknown) => Verdict
}

/** A circuit breaker alone. */
export function circuitBreaker (options: BreakerOptions & Common & Pick<PolicyOptions, 'onStateChange' | 'timers'> = {}): Policy {
  const { name, classifyError, classifyResult, onStateChange, timers, ...breaker } = options
  return new Policy({ name, classifyError, classifyResult, onStateChange, timers, breaker })
}

/** An attempt timeout alone (no breaker). */
export function timeout (timeoutMs: number, options: Pick<PolicyOptions, 'name' | 'timers'> = {}): Policy {
  return new Policy({ ...options, timeoutMs, breaker: false })
}

/** Budgeted retries alone (no breaker). */
export function retry (options: RetryOptions & Common & Pick<PolicyOptions, 'timers'> = {}): Policy {
  const { name, classifyError, classifyResult, timers, ...retryOptions } = options
  return new Policy({ name, classifyError, classifyResult, timers, retry: retryOptions, breaker: false })
}

/** A bulkhead alone (no breaker). */
export function bulkhead (maxConcurrent: number, options: Omit<BulkheadOptions, 'maxConcurrent'> & Pick<PolicyOptions, 'name'> = {}): Policy {
  const { name, ...rest } = options
  return new Policy({ name, bulkhead: { ...rest, maxConcurrent }, breaker: false })
}

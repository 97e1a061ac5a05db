import { createError } from '@fastify/error'
import { invalidOptionError } from '@highload/options'

/** Every error code of @highload/breaker, by condition: `codes.OPEN === 'HL_BREAKER_OPEN'`. */
export const codes = Object.freeze({
  OPEN: 'HL_BREAKER_OPEN',
  BULKHEAD_FULL: 'HL_BREAKER_BULKHEAD_FULL',
  TIMEOUT: 'HL_BREAKER_TIMEOUT',
  DEADLINE_EXCEEDED: 'HL_BREAKER_DEADLINE_EXCEEDED',
  INVALID_OPTION: 'HL_BREAKER_INVALID_OPTION',
  UNKNOWN_DEPENDENCY: 'HL_BREAKER_UNKNOWN_DEPENDENCY'
} as const)

// Fast-fail errors skip stack capture: during an outage they are thrown at the
// full request rate and a stack would only show breaker internals.
const NO_STACK = false

/** The circuit is open (or isolated, or half-open with every probe slot taken). 503 + Retry-After. */
export const BreakerOpenError = createError<typeof codes.OPEN, 503, [string, { cause: unknown }?]>(
  codes.OPEN,
  'Circuit breaker for dependency %s is open',
  503,
  Error,
  NO_STACK
)

/** The bulkhead has no free slot. 503 + a short Retry-After. */
export const BreakerBulkheadFullError = createError<typeof codes.BULKHEAD_FULL, 503, [string, number]>(
  codes.BULKHEAD_FULL,
  'Too many concurrent calls to dependency %s (limit %d)',
  503,
  Error,
  NO_STACK
)

/** One attempt ran longer than `timeoutMs`. 504. */
export const BreakerTimeoutError = createError<typeof codes.TIMEOUT, 504, [string, number]>(
  codes.TIMEOUT,
  'Call to dependency %s timed out after %d ms',
  504
)

/** The caller's deadline (route deadline, `deadlineMs`, or a per-call `deadline`) ran out. 504. */
export const BreakerDeadlineExceededError = createError<typeof codes.DEADLINE_EXCEEDED, 504, [string]>(
  codes.DEADLINE_EXCEEDED,
  'Deadline exceeded for call to dependency %s',
  504
)

/**
 * A plugin, policy or route option is invalid: a `TypeError` thrown at registration, construction
 * or route definition, `Invalid @highload/breaker option <path>: got <value>, expected <what>`.
 */
export const BreakerInvalidOptionError = invalidOptionError(codes.INVALID_OPTION, '@highload/breaker')

/** `fastify.breaker(name)` was called with a name that was not registered. */
export const BreakerUnknownDependencyError = createError<typeof codes.UNKNOWN_DEPENDENCY, 500, [string, string]>(
  codes.UNKNOWN_DEPENDENCY,
  'Unknown breaker dependency %s (registered: %s)',
  500,
  TypeError
)

/** Shape shared by the two 503 errors: Fastify's default error handler sends `headers`. */
export interface RetryAfterFields {
  /** Milliseconds until the dependency is expected to accept calls again. */
  retryAfterMs: number
  /** `{ 'retry-after': '<seconds>' }`, sent by Fastify's default error handler. */
  headers: { 'retry-after': string }
}

export function withRetryAfter<E extends Error> (err: E, retryAfterMs: number): E & RetryAfterFields {
  const e = err as E & RetryAfterFields
  e.retryAfterMs = retryAfterMs
  // Rounded up so a client that waits exactly this long never arrives early; at least 1.
  e.headers = { 'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))) }
  return e
}

import createError from '@fastify/error'

// Fast-fail errors skip stack capture: during an outage they are thrown at the
// full request rate and a stack would only show breaker internals.
const NO_STACK = false

/** The circuit is open (or isolated, or half-open with every probe slot taken). 503 + Retry-After. */
export const BreakerOpenError = createError<'HL_BREAKER_OPEN', 503, [string, { cause: unknown }?]>(
  'HL_BREAKER_OPEN',
  'Circuit breaker for dependency %s is open',
  503,
  Error,
  NO_STACK
)

/** The bulkhead has no free slot. 503 + a short Retry-After. */
export const BulkheadFullError = createError<'HL_BREAKER_BULKHEAD_FULL', 503, [string, number]>(
  'HL_BREAKER_BULKHEAD_FULL',
  'Too many concurrent calls to dependency %s (limit %d)',
  503,
  Error,
  NO_STACK
)

/** One attempt ran longer than `timeoutMs`. 504. */
export const TimeoutError = createError<'HL_BREAKER_TIMEOUT', 504, [string, number]>(
  'HL_BREAKER_TIMEOUT',
  'Call to dependency %s timed out after %d ms',
  504
)

/** The caller's deadline (route deadline, `deadlineMs`, or a per-call `deadline`) ran out. 504. */
export const DeadlineExceededError = createError<'HL_BREAKER_DEADLINE_EXCEEDED', 504, [string]>(
  'HL_BREAKER_DEADLINE_EXCEEDED',
  'Deadline exceeded for call to dependency %s',
  504
)

/** A plugin or policy option is invalid. Thrown at registration / construction. */
export const InvalidOptionError = createError<'HL_BREAKER_INVALID_OPTION', 500, [string, string, string]>(
  'HL_BREAKER_INVALID_OPTION',
  'Invalid option %s: %s (expected %s)',
  500,
  TypeError
)

/** `fastify.breaker(name)` was called with a name that was not registered. */
export const UnknownDependencyError = createError<'HL_BREAKER_UNKNOWN_DEPENDENCY', 500, [string, string]>(
  'HL_BREAKER_UNKNOWN_DEPENDENCY',
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

import { createError } from '@fastify/error'
import { invalidOptionError } from '@highload/options'

// Errors thrown at request rate during an outage skip the stack capture: it would only show
// cache internals.
const NO_STACK = false

/** A bad option, found at registration. 500 (`TypeError`). */
export const CacheInvalidOptionError = invalidOptionError('HL_CACHE_INVALID_OPTION', '@highload/cache')

/** A key (or tag) that is not a non-empty string of at most `maxKeyBytes` bytes. 500 (`TypeError`): API misuse. */
export const CacheInvalidKeyError = createError<'HL_CACHE_INVALID_KEY', 500, [string, string]>(
  'HL_CACHE_INVALID_KEY',
  'Invalid cache %s: %s',
  500,
  TypeError
)

/** The loader ran past `hardTimeoutMs`; its `signal` was aborted with this error. 504. */
export const CacheLoaderTimeoutError = createError<'HL_CACHE_LOADER_TIMEOUT', 504, [number]>(
  'HL_CACHE_LOADER_TIMEOUT',
  'Cache loader timed out after %d ms',
  504,
  Error,
  NO_STACK
)

/** An invalidation could not reach Redis before its deadline (it stays queued). 503 + `Retry-After`. */
export const CacheUnavailableError = createError<'HL_CACHE_UNAVAILABLE', 503, [string, { cause: unknown }?]>(
  'HL_CACHE_UNAVAILABLE',
  'Cache invalidation (%s) was not delivered to Redis in time; it is retried in the background',
  503,
  Error,
  NO_STACK
)

/** The codec could not encode the value (a circular structure, a BigInt with JSON). Nothing is stored. */
export const CacheUnserializableError = createError<'HL_CACHE_UNSERIALIZABLE', 500, [string, { cause: unknown }?]>(
  'HL_CACHE_UNSERIALIZABLE',
  'Cache value for key %s cannot be encoded',
  500,
  TypeError
)

/** The encoded value is larger than `l2.maxValueBytes`. Nothing is stored. */
export const CacheValueTooLargeError = createError<'HL_CACHE_VALUE_TOO_LARGE', 500, [number, number]>(
  'HL_CACHE_VALUE_TOO_LARGE',
  'Cache value is %d bytes, more than maxValueBytes (%d)',
  500,
  RangeError
)

/** The cache was used after `app.close()`. */
export const CacheClosedError = createError<'HL_CACHE_CLOSED', 503, []>(
  'HL_CACHE_CLOSED',
  'The cache is closed',
  503,
  Error,
  NO_STACK
)

/** Every error code of @highload/cache: the code without `HL_CACHE_` → the code. */
export const codes = Object.freeze({
  INVALID_OPTION: 'HL_CACHE_INVALID_OPTION',
  INVALID_KEY: 'HL_CACHE_INVALID_KEY',
  LOADER_TIMEOUT: 'HL_CACHE_LOADER_TIMEOUT',
  UNAVAILABLE: 'HL_CACHE_UNAVAILABLE',
  UNSERIALIZABLE: 'HL_CACHE_UNSERIALIZABLE',
  VALUE_TOO_LARGE: 'HL_CACHE_VALUE_TOO_LARGE',
  CLOSED: 'HL_CACHE_CLOSED'
} as const)

/** One of the package's error codes. */
export type CacheErrorCode = typeof codes[keyof typeof codes]

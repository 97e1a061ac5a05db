import { createError } from '@fastify/error'
import { invalidOptionError } from '@highload/options'

/** Every error code of `@highload/health`: the code without `HL_HEALTH_` → the code. */
export const codes = Object.freeze({
  INVALID_OPTION: 'HL_HEALTH_INVALID_OPTION',
  DUPLICATE_CHECK: 'HL_HEALTH_DUPLICATE_CHECK',
  CHECK_TIMEOUT: 'HL_HEALTH_CHECK_TIMEOUT',
  CHECK_FAILED: 'HL_HEALTH_CHECK_FAILED',
  CHECK_STALE: 'HL_HEALTH_CHECK_STALE',
  STARTUP_TASK_FAILED: 'HL_HEALTH_STARTUP_TASK_FAILED'
} as const)

/**
 * A plugin option, a check spec, a check factory's option or an API argument is invalid:
 * `Invalid @highload/health option <dotted.path>: got <value>, expected <what>`.
 */
export const HealthInvalidOptionError = invalidOptionError(codes.INVALID_OPTION, '@highload/health')

/** `addCheck()` was called with a name that is already registered. */
export const HealthDuplicateCheckError = createError<typeof codes.DUPLICATE_CHECK, 500, [string]>(
  codes.DUPLICATE_CHECK,
  'A health check named "%s" is already registered',
  500
)

/** A check did not settle within its `timeoutMs`; its `signal` was aborted with this error. */
export const HealthCheckTimeoutError = createError<typeof codes.CHECK_TIMEOUT, 504, [number]>(
  codes.CHECK_TIMEOUT,
  'Health check timed out after %d ms',
  504
)

/** A check threw or rejected with something that is not an Error, or a built-in check got an unexpected answer. */
export const HealthCheckFailedError = createError<typeof codes.CHECK_FAILED, 503, [string, { cause: unknown }?]>(
  codes.CHECK_FAILED,
  'Health check failed: %s',
  503
)

/** The last result of a check is older than its `staleAfterMs`: the scheduler or the event loop is stuck. */
export const HealthCheckStaleError = createError<typeof codes.CHECK_STALE, 503, [number]>(
  codes.CHECK_STALE,
  'Health check result is stale (older than %d ms)',
  503
)

/** A startup task rejected; the cause is kept and the process is marked broken. */
export const HealthStartupTaskFailedError = createError<typeof codes.STARTUP_TASK_FAILED, 500, [string, { cause: unknown }?]>(
  codes.STARTUP_TASK_FAILED,
  'Startup task failed: %s',
  500
)

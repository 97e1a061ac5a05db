import createError from '@fastify/error'

/** An option passed at registration or a check spec is invalid. */
export const HealthInvalidOptionError = createError<'HL_HEALTH_INVALID_OPTION', 500, [string]>(
  'HL_HEALTH_INVALID_OPTION',
  'Invalid @highload/health option: %s',
  500,
  TypeError
)

/** `addCheck()` was called with a name that is already registered. */
export const HealthDuplicateCheckError = createError<'HL_HEALTH_DUPLICATE_CHECK', 500, [string]>(
  'HL_HEALTH_DUPLICATE_CHECK',
  'A health check named "%s" is already registered',
  500
)

/** A check did not settle within its `timeoutMs`; its `signal` was aborted with this error. */
export const HealthCheckTimeoutError = createError<'HL_HEALTH_CHECK_TIMEOUT', 504, [number]>(
  'HL_HEALTH_CHECK_TIMEOUT',
  'Health check timed out after %d ms',
  504
)

/** A check threw or rejected with something that is not an Error, or a built-in check got an unexpected answer. */
export const HealthCheckFailedError = createError<'HL_HEALTH_CHECK_FAILED', 503, [string, { cause: unknown }?]>(
  'HL_HEALTH_CHECK_FAILED',
  'Health check failed: %s',
  503
)

/** The last result of a check is older than its `staleAfterMs`: the scheduler or the event loop is stuck. */
export const HealthCheckStaleError = createError<'HL_HEALTH_CHECK_STALE', 503, [number]>(
  'HL_HEALTH_CHECK_STALE',
  'Health check result is stale (older than %d ms)',
  503
)

/** A startup task rejected; the cause is kept and the process is marked broken. */
export const HealthStartupTaskError = createError<'HL_HEALTH_STARTUP_TASK_FAILED', 500, [string, { cause: unknown }?]>(
  'HL_HEALTH_STARTUP_TASK_FAILED',
  'Startup task failed: %s',
  500
)

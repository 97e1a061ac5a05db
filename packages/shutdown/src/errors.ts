import createError from '@fastify/error'

/** An option (or the environment variable behind it) is invalid. Thrown at registration. */
export const InvalidOptionError = createError<'HL_SHUTDOWN_INVALID_OPTION', 500, [string, string, string]>(
  'HL_SHUTDOWN_INVALID_OPTION',
  'Invalid @highload/shutdown option %s: got %s, expected %s',
  500,
  TypeError
)

/** Strict mode: drain delay + request drain + cleanup + safety margin is above the grace period. */
export const BudgetExceededError = createError<'HL_SHUTDOWN_BUDGET_EXCEEDED', 500, [string]>(
  'HL_SHUTDOWN_BUDGET_EXCEEDED',
  'Shutdown budget exceeds the grace period: %s',
  500,
  TypeError
)

/** The abort reason of `fastify.shutdown.signal`: the listener is closing. */
export const ShuttingDownError = createError<'HL_SHUTDOWN_CLOSING', 503, []>(
  'HL_SHUTDOWN_CLOSING',
  'The server is shutting down',
  503
)

/** An `onShutdown` hook threw or rejected; the original error is the `cause`. Logged, never thrown. */
export const HookFailedError = createError<'HL_SHUTDOWN_HOOK_FAILED', 500, [string, { cause: unknown }]>(
  'HL_SHUTDOWN_HOOK_FAILED',
  'Shutdown hook %s failed',
  500
)

/** `onClose` hooks were still running when the cleanup budget ran out. Logged; the process exits 1. */
export const CleanupTimeoutError = createError<'HL_SHUTDOWN_CLEANUP_TIMEOUT', 504, [number, string]>(
  'HL_SHUTDOWN_CLEANUP_TIMEOUT',
  'onClose hooks still running after the %d ms cleanup budget: %s',
  504
)

/** The hard deadline (just under the grace period) fired. Logged with diagnostics; the process exits 1. */
export const HardDeadlineError = createError<'HL_SHUTDOWN_HARD_DEADLINE', 504, [number, string]>(
  'HL_SHUTDOWN_HARD_DEADLINE',
  'Shutdown hard deadline of %d ms reached in phase %s',
  504
)

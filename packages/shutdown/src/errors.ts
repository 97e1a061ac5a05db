import { createError } from '@fastify/error'
import { invalidOptionError } from '@highload/options'

/** Every error code of `@highload/shutdown`: the code without `HL_SHUTDOWN_` → the code. */
export const codes = Object.freeze({
  INVALID_OPTION: 'HL_SHUTDOWN_INVALID_OPTION',
  BUDGET_EXCEEDED: 'HL_SHUTDOWN_BUDGET_EXCEEDED',
  CLOSING: 'HL_SHUTDOWN_CLOSING',
  HOOK_FAILED: 'HL_SHUTDOWN_HOOK_FAILED',
  CLEANUP_TIMEOUT: 'HL_SHUTDOWN_CLEANUP_TIMEOUT',
  HARD_DEADLINE: 'HL_SHUTDOWN_HARD_DEADLINE'
} as const)

/** An option (or the environment variable behind it) is invalid. Thrown at registration. */
export const ShutdownInvalidOptionError = invalidOptionError(codes.INVALID_OPTION, '@highload/shutdown')

/** Strict mode: drain delay + request drain + cleanup + safety margin is above the grace period. */
export const ShutdownBudgetExceededError = createError<typeof codes.BUDGET_EXCEEDED, 500, [string]>(
  codes.BUDGET_EXCEEDED,
  'Shutdown budget exceeds the grace period: %s',
  500,
  TypeError
)

/** The abort reason of `fastify.shutdown.signal`: the listener is closing. */
export const ShutdownClosingError = createError<typeof codes.CLOSING, 503, []>(
  codes.CLOSING,
  'The server is shutting down',
  503
)

/** An `onShutdown` hook threw or rejected; the original error is the `cause`. Logged, never thrown. */
export const ShutdownHookFailedError = createError<typeof codes.HOOK_FAILED, 500, [string, { cause: unknown }]>(
  codes.HOOK_FAILED,
  'Shutdown hook %s failed',
  500
)

/** `onClose` hooks were still running when the cleanup budget ran out. Logged; the process exits 1. */
export const ShutdownCleanupTimeoutError = createError<typeof codes.CLEANUP_TIMEOUT, 504, [number, string]>(
  codes.CLEANUP_TIMEOUT,
  'onClose hooks still running after the %d ms cleanup budget: %s',
  504
)

/** The hard deadline (just under the grace period) fired. Logged with diagnostics; the process exits 1. */
export const ShutdownHardDeadlineError = createError<typeof codes.HARD_DEADLINE, 504, [number, string]>(
  codes.HARD_DEADLINE,
  'Shutdown hard deadline of %d ms reached in phase %s',
  504
)

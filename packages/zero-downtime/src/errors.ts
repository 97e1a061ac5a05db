import { createError } from '@fastify/error'
import { invalidOptionError } from '@highload/options'

/** Every error code of `@highload/zero-downtime`: the code without `HL_ZERO_DOWNTIME_` → the code. */
export const codes = Object.freeze({
  INVALID_OPTION: 'HL_ZERO_DOWNTIME_INVALID_OPTION',
  NOT_READY: 'HL_ZERO_DOWNTIME_NOT_READY',
  UNKNOWN_UPSTREAM: 'HL_ZERO_DOWNTIME_UNKNOWN_UPSTREAM'
} as const)

/** An option of `runZeroDowntime()` or `new ReadinessProxy()` is invalid. */
export const ZeroDowntimeInvalidOptionError = invalidOptionError(codes.INVALID_OPTION, '@highload/zero-downtime')

/**
 * An instance of the server under test exited, or did not answer its readiness path with 200,
 * before `startTimeoutMs`. The message ends with the instance's output.
 */
export const ZeroDowntimeNotReadyError = createError<typeof codes.NOT_READY, 500, [string, string, string]>(
  codes.NOT_READY,
  'instance %s did not become ready on %s; output:\n%s',
  500
)

/** `ReadinessProxy` was asked about an upstream it was not given. */
export const ZeroDowntimeUnknownUpstreamError = createError<typeof codes.UNKNOWN_UPSTREAM, 500, [string, string]>(
  codes.UNKNOWN_UPSTREAM,
  'unknown upstream %s (the proxy has %s)',
  500,
  TypeError
)

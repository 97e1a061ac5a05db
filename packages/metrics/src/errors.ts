import createError from '@fastify/error'

/** A plugin or SLO option is invalid. Thrown at registration. */
export const InvalidOptionError = createError<'HL_METRICS_INVALID_OPTION', 500, [string, string, string]>(
  'HL_METRICS_INVALID_OPTION',
  'Invalid option %s: got %s, expected %s',
  500,
  TypeError
)

/** An SLO target is not strictly between 0 and 1. */
export const InvalidTargetError = createError<'HL_METRICS_INVALID_TARGET', 500, [string, string]>(
  'HL_METRICS_INVALID_TARGET',
  'SLO %s: target must be a number strictly between 0 and 1 (for example 0.999), got %s',
  500,
  TypeError
)

/** A latency SLI threshold is not a positive finite number of milliseconds. */
export const InvalidThresholdError = createError<'HL_METRICS_INVALID_THRESHOLD', 500, [string, string]>(
  'HL_METRICS_INVALID_THRESHOLD',
  'SLO %s: sli.thresholdMs must be a positive finite number of milliseconds, got %s',
  500,
  TypeError
)

/** Two SLOs share a name. */
export const DuplicateSloError = createError<'HL_METRICS_DUPLICATE_SLO', 500, [string]>(
  'HL_METRICS_DUPLICATE_SLO',
  'Duplicate SLO name %s: every SLO needs a unique name',
  500,
  TypeError
)

/** A route's `config.slo` names an SLO that is not configured. */
export const UnknownSloError = createError<'HL_METRICS_UNKNOWN_SLO', 500, [string, string, string]>(
  'HL_METRICS_UNKNOWN_SLO',
  'Route %s %s: config.slo names unknown SLO %s',
  500,
  TypeError
)

/** The metrics or SLO endpoint URL is already taken, usually by fastify-metrics' own endpoint. */
export const EndpointConflictError = createError<'HL_METRICS_ENDPOINT_CONFLICT', 500, [string, string]>(
  'HL_METRICS_ENDPOINT_CONFLICT',
  'GET %s is already registered; %s',
  500,
  TypeError
)

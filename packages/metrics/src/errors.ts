import { createError } from '@fastify/error'
import { invalidOptionError } from '@highload/options'

/** Every error code of @highload/metrics, by condition. */
export const codes = Object.freeze({
  INVALID_OPTION: 'HL_METRICS_INVALID_OPTION',
  INVALID_TARGET: 'HL_METRICS_INVALID_TARGET',
  INVALID_THRESHOLD: 'HL_METRICS_INVALID_THRESHOLD',
  DUPLICATE_SLO: 'HL_METRICS_DUPLICATE_SLO',
  UNKNOWN_SLO: 'HL_METRICS_UNKNOWN_SLO',
  ENDPOINT_CONFLICT: 'HL_METRICS_ENDPOINT_CONFLICT'
} as const)

/** A plugin or SLO option is invalid. Thrown at registration. */
export const MetricsInvalidOptionError = invalidOptionError(codes.INVALID_OPTION, '@highload/metrics')

/** An SLO target is not strictly between 0 and 1. */
export const MetricsInvalidTargetError = createError<typeof codes.INVALID_TARGET, 500, [string, string]>(
  codes.INVALID_TARGET,
  'SLO %s: target must be a number strictly between 0 and 1 (for example 0.999), got %s',
  500,
  TypeError
)

/** A latency SLI threshold is not a positive finite number of milliseconds. */
export const MetricsInvalidThresholdError = createError<typeof codes.INVALID_THRESHOLD, 500, [string, string]>(
  codes.INVALID_THRESHOLD,
  'SLO %s: sli.thresholdMs must be a positive finite number of milliseconds, got %s',
  500,
  TypeError
)

/** Two SLOs share a name. */
export const MetricsDuplicateSloError = createError<typeof codes.DUPLICATE_SLO, 500, [string]>(
  codes.DUPLICATE_SLO,
  'Duplicate SLO name %s: every SLO needs a unique name',
  500,
  TypeError
)

/** A route's `config.slo` names an SLO that is not configured. */
export const MetricsUnknownSloError = createError<typeof codes.UNKNOWN_SLO, 500, [string, string, string]>(
  codes.UNKNOWN_SLO,
  'Route %s %s: config.slo names unknown SLO %s',
  500,
  TypeError
)

/** The metrics or SLO endpoint URL is already taken, usually by fastify-metrics' own endpoint. */
export const MetricsEndpointConflictError = createError<typeof codes.ENDPOINT_CONFLICT, 500, [string, string]>(
  codes.ENDPOINT_CONFLICT,
  'GET %s is already registered; %s',
  500,
  TypeError
)

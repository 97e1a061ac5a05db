import { createError } from '@fastify/error'
import { invalidOptionError } from '@highload/options'

// Fast-fail errors raised at request rate during an outage skip the stack capture: a stack
// would only show this package's internals.
const NO_STACK = false

/** An option passed at registration is invalid. 500, a `TypeError`. */
export const ReplicasInvalidOptionError = invalidOptionError('HL_REPLICAS_INVALID_OPTION', '@highload/replicas')

/** The primary cannot be reached (writes, transactions, strong and unsatisfied session reads). 503 + Retry-After. */
export const ReplicasPrimaryUnavailableError = createError<'HL_REPLICAS_PRIMARY_UNAVAILABLE', 503, [{ cause: unknown }?]>(
  'HL_REPLICAS_PRIMARY_UNAVAILABLE',
  'The PostgreSQL primary is unavailable',
  503,
  Error,
  NO_STACK
)

/** No node could serve a read: every replica and the primary failed or were ineligible. 503 + Retry-After. */
export const ReplicasUnavailableError = createError<'HL_REPLICAS_UNAVAILABLE', 503, [string, { cause: unknown }?]>(
  'HL_REPLICAS_UNAVAILABLE',
  'No PostgreSQL node could serve the read: %s',
  503,
  Error,
  NO_STACK
)

/** `read()` was given a statement that writes (proven by the parser); nothing was sent. 500, a `TypeError`. */
export const ReplicasNotAReadError = createError<'HL_REPLICAS_NOT_A_READ', 500, [string]>(
  'HL_REPLICAS_NOT_A_READ',
  'db.read() was given a statement that writes (%s); use db.write() or db.query()',
  500,
  TypeError
)

/** The LSN token a client sent is malformed. 400. */
export const ReplicasInvalidTokenError = createError<'HL_REPLICAS_INVALID_TOKEN', 400, [string]>(
  'HL_REPLICAS_INVALID_TOKEN',
  'Malformed LSN token in %s: expected a PostgreSQL LSN such as 16/B374D848',
  400
)

/** The SQL is not a non-empty string, the parameters not an array, or a call option is invalid. 500, a `TypeError`. */
export const ReplicasInvalidQueryError = createError<'HL_REPLICAS_INVALID_QUERY', 500, [string]>(
  'HL_REPLICAS_INVALID_QUERY',
  'Invalid query: %s',
  500,
  TypeError
)

/** A query was made after the plugin closed. 503. */
export const ReplicasClosedError = createError<'HL_REPLICAS_CLOSED', 503, []>(
  'HL_REPLICAS_CLOSED',
  'The @highload/replicas plugin is closed',
  503,
  Error,
  NO_STACK
)

/** Every error code of the package: the code without `HL_REPLICAS_` → the code. */
export const codes = Object.freeze({
  INVALID_OPTION: 'HL_REPLICAS_INVALID_OPTION',
  PRIMARY_UNAVAILABLE: 'HL_REPLICAS_PRIMARY_UNAVAILABLE',
  UNAVAILABLE: 'HL_REPLICAS_UNAVAILABLE',
  NOT_A_READ: 'HL_REPLICAS_NOT_A_READ',
  INVALID_TOKEN: 'HL_REPLICAS_INVALID_TOKEN',
  INVALID_QUERY: 'HL_REPLICAS_INVALID_QUERY',
  CLOSED: 'HL_REPLICAS_CLOSED'
} as const)

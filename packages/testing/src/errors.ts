/** Error codes thrown by `@highload/testing`. */
export const codes = {
  /** A server binary (redis-server, redis-cli, initdb, postgres, pg_basebackup) is not installed. */
  MISSING_BINARY: 'HL_TESTING_MISSING_BINARY',
  /** Running as root, but the OS user PostgreSQL should run as does not exist. */
  MISSING_USER: 'HL_TESTING_MISSING_USER',
  /** A fault helper was called on a server reused from REDIS_URL / DATABASE_URL. */
  EXTERNAL_SERVER: 'HL_TESTING_EXTERNAL_SERVER',
  /** A bounded wait (server answers, replica catch-up, process exit) ran out of time. */
  TIMEOUT: 'HL_TESTING_TIMEOUT',
  /** A server process or setup command exited before it was ready, or failed. */
  START_FAILED: 'HL_TESTING_START_FAILED',
  /** A helper got an argument it cannot use (a count, a node of another cluster, a primary where a replica is needed). */
  INVALID_ARGUMENT: 'HL_TESTING_INVALID_ARGUMENT',
  /** The server is not running (killed, stopped or closed) and the helper needs it running. */
  NOT_RUNNING: 'HL_TESTING_NOT_RUNNING'
} as const

export type TestingErrorCode = typeof codes[keyof typeof codes]

/** Every error this package throws on purpose: `code` says which condition, `cause` keeps the underlying failure. */
export class TestingError extends Error {
  readonly code: TestingErrorCode

  constructor (code: TestingErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = 'TestingError'
    this.code = code
  }
}

/** Swallows a rejection or an event error on purpose (best-effort cleanup). */
export function ignore (): void {}

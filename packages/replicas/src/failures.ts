/** SQLSTATEs that mean the node (not the statement) failed. */
const CONNECTION_CODES = new Set(['57P01', '57P02', '57P03', '53300'])
/** Node.js socket error codes. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN'])
/** pg's own messages for a lost or never-made connection. */
const MESSAGES = /Connection terminated|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Connection ended|not queryable/i

function codeOf (err: unknown): unknown {
  return typeof err === 'object' && err !== null ? (err as { code?: unknown }).code : undefined
}

/**
 * Whether `err` says the node is unreachable or refusing work: socket errors, connect
 * timeouts, `Connection terminated unexpectedly`, SQLSTATE class 08, admin/crash shutdown
 * (57P01, 57P02), starting up (57P03), too many connections (53300).
 */
export function isConnectionError (err: unknown): boolean {
  const code = codeOf(err)
  if (typeof code === 'string') {
    if (CONNECTION_CODES.has(code) || SOCKET_CODES.has(code) || code.startsWith('08')) return true
  }
  return err instanceof Error && MESSAGES.test(err.message)
}

/** The SQLSTATE of a PostgreSQL error, or null. */
export function sqlState (err: unknown): string | null {
  const code = codeOf(err)
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : null
}

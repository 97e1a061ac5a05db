/** Socket error codes that mean the server dropped a connection a client was using. */
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE'])

/** Adds error counts keyed by error code. */
export function mergeCounts (...records: Array<Record<string, number>>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const r of records) for (const [k, v] of Object.entries(r)) out[k] = (out[k] ?? 0) + v
  return out
}

/** How many of the counted errors were connection resets. */
export function countResets (errors: Record<string, number>): number {
  let resets = 0
  for (const [code, count] of Object.entries(errors)) if (RESET_CODES.has(code)) resets += count
  return resets
}

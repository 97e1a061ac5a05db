/** A WAL position as PostgreSQL prints it: `16/B374D848` (two hex numbers of up to 32 bits). */
const LSN = /^([0-9A-Fa-f]{1,8})\/([0-9A-Fa-f]{1,8})$/

/** WAL page size (XLOG_BLCKSZ) and the long page header, the larger of the two headers. */
const PAGE = 8192n
const LONG_PAGE_HEADER = 40n

/** The LSN as a 64-bit number, or null when the text is not an LSN. */
export function parseLsn (text: string): bigint | null {
  const m = LSN.exec(text)
  if (m === null) return null
  return (BigInt('0x' + (m[1] as string)) << 32n) | BigInt('0x' + (m[2] as string))
}

/** The LSN as PostgreSQL prints it (upper-case hex, no padding). */
export function formatLsn (lsn: bigint): string {
  return `${(lsn >> 32n).toString(16).toUpperCase()}/${(lsn & 0xFFFFFFFFn).toString(16).toUpperCase()}`
}

/**
 * The position a replica must have replayed to satisfy `token`. On an idle primary the insert
 * LSN can sit just past a page header (measured `0/306A018` while replay stood at `0/306A000`):
 * no record starts in a page header, so the page's start satisfies such a token.
 */
export function requiredReplay (token: bigint): bigint {
  const offset = token % PAGE
  return offset > 0n && offset <= LONG_PAGE_HEADER ? token - offset : token
}

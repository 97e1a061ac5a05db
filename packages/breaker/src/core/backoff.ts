export type Jitter = 'full' | 'decorrelated' | 'none'

/**
 * Delay before retry number `retry` (1 for the first retry). `previous` is the last delay,
 * used by decorrelated jitter (AWS: min(cap, random(base, 3 × previous))).
 */
export function backoffDelay (jitter: Jitter, baseMs: number, maxMs: number, retry: number, previous: number): number {
  if (jitter === 'decorrelated') {
    const prev = Math.max(baseMs, previous)
    return Math.min(maxMs, baseMs + Math.random() * (prev * 3 - baseMs))
  }
  const exp = Math.min(maxMs, baseMs * 2 ** (retry - 1))
  return jitter === 'full' ? Math.random() * exp : exp
}

interface HeaderBag {
  get?: (name: string) => string | null
  [name: string]: unknown
}

/**
 * Reads a `Retry-After` (seconds or HTTP date) from a 429 or 503 error or response: anything with
 * `status` or `statusCode` and `headers` as a plain object or a fetch `Headers`. Returns
 * milliseconds, or -1 when there is none.
 */
export function retryAfterMs (value: unknown, now: number): number {
  if (value === null || typeof value !== 'object') return -1
  const v = value as { status?: unknown, statusCode?: unknown, headers?: unknown }
  const status = v.statusCode ?? v.status
  if (status !== 429 && status !== 503) return -1
  const headers = v.headers as HeaderBag | null | undefined
  if (headers === null || typeof headers !== 'object') return -1
  const raw = typeof headers.get === 'function' ? headers.get('retry-after') : headers['retry-after']
  if (typeof raw !== 'string' && typeof raw !== 'number') return -1
  const text = String(raw).trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  const date = Date.parse(text)
  if (Number.isNaN(date)) return -1
  return Math.max(0, date - now)
}

import type { CacheCodec } from './options.js'
import { CacheInvalidKeyError, CacheUnserializableError, CacheValueTooLargeError } from './errors.js'

/** How an entry's value was produced: a value, or a negative (`null`/`undefined`) load. */
export const VALUE = 0
export const NULL = 1
export const UNDEFINED = 2

/**
 * One cached value with its timing, as both tiers hold it. Times are absolute (Date.now() clock).
 * `value` is what the codec's decode returned, so L1 and L2 answer the same shape.
 */
export interface Entry {
  readonly value: unknown
  /** Encoded payload (kept so an L2 refill or rewrite never encodes twice). */
  readonly payload: Buffer
  /** Fresh until. */
  readonly fresh: number
  /** Stale-while-revalidate window end. */
  readonly swr: number
  /** Stale-if-error window end. */
  readonly sie: number
  /** Measured load time (XFetch's δ), in ms. */
  readonly delta: number
  readonly tags: readonly string[]
  readonly kind: number
}

/** Timing of a write, resolved from the plugin's and the call's options. */
export interface Timing {
  ttlMs: number
  staleWhileRevalidateMs: number
  staleIfErrorMs: number
}

/** The JSON codec: `JSON.stringify` / `JSON.parse`. */
export const jsonCodec: CacheCodec = {
  encode (value: unknown): string {
    const text = JSON.stringify(value)
    // JSON.stringify answers undefined for functions and symbols: nothing a decode could give back.
    if (text === undefined) throw new TypeError(`${typeof value} is not JSON`)
    return text
  },
  decode (data: Buffer): unknown {
    return JSON.parse(data.toString('utf8'))
  }
}

const EMPTY = Buffer.alloc(0)

/** Validates a key (or tag, `what`): a non-empty string of at most `maxBytes` UTF-8 bytes. */
export function checkKey (key: unknown, maxBytes: number, what = 'key'): asserts key is string {
  if (typeof key !== 'string' || key.length === 0) {
    throw new CacheInvalidKeyError(what, `expected a non-empty string, got ${key === '' ? "''" : typeof key}`)
  }
  // A UTF-8 byte is at most one UTF-16 unit, and a unit at most 3 bytes: count only when it matters.
  if (key.length * 3 > maxBytes && Buffer.byteLength(key) > maxBytes) {
    throw new CacheInvalidKeyError(what, `longer than maxKeyBytes (${maxBytes} bytes)`)
  }
}

/**
 * Encodes `value` once and decodes it back: the caller, L1 and L2 all see the decoded shape.
 * Throws `HL_CACHE_UNSERIALIZABLE` or `HL_CACHE_VALUE_TOO_LARGE`; nothing is stored then.
 */
export function roundTrip (codec: CacheCodec, key: string, value: unknown, maxBytes: number): { value: unknown, payload: Buffer, kind: number } {
  if (value === null) return { value: null, payload: EMPTY, kind: NULL }
  if (value === undefined) return { value: undefined, payload: EMPTY, kind: UNDEFINED }
  let payload: Buffer
  try {
    const encoded = codec.encode(value)
    payload = typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength)
  } catch (err) {
    throw new CacheUnserializableError(key, { cause: err })
  }
  if (payload.length > maxBytes) throw new CacheValueTooLargeError(payload.length, maxBytes)
  let decoded: unknown
  try {
    decoded = codec.decode(payload)
  } catch (err) {
    throw new CacheUnserializableError(key, { cause: err })
  }
  return { value: decoded, payload, kind: VALUE }
}

/** Builds an entry written now, whose value took `delta` ms to load. `ttlMs` is already jittered. */
export function makeEntry (value: unknown, payload: Buffer, kind: number, timing: Timing, ttlMs: number, tags: readonly string[], delta: number, now: number): Entry {
  const fresh = now + ttlMs
  return {
    value,
    payload,
    fresh,
    swr: fresh + timing.staleWhileRevalidateMs,
    sie: fresh + timing.staleIfErrorMs,
    delta,
    tags,
    kind
  }
}

/** When the entry stops being of any use (its last stale window). */
export function lastUse (e: Entry): number {
  return Math.max(e.swr, e.sie)
}

/** The same entry, stale from `now` on (its stale windows keep their length from the expiry). */
export function expired (e: Entry, now: number): Entry {
  if (e.fresh <= now) return e
  return { ...e, fresh: now, swr: now + (e.swr - e.fresh), sie: now + (e.sie - e.fresh) }
}

interface Header {
  f: number
  w: number
  s: number
  d: number
  k: number
  t: readonly string[]
}

/** The L2 body: a JSON header line, then the payload bytes. */
export function encodeRecord (e: Entry): Buffer {
  const header: Header = { f: e.fresh, w: e.swr, s: e.sie, d: e.delta, k: e.kind, t: e.tags }
  return Buffer.concat([Buffer.from(JSON.stringify(header) + '\n', 'utf8'), e.payload])
}

/**
 * Reads an L2 body back into an entry (the payload decoded by the codec). Returns undefined for a
 * record this version cannot read: a miss, never a crash.
 */
export function decodeRecord (codec: CacheCodec, body: Buffer): Entry | undefined {
  const nl = body.indexOf(10)
  if (nl === -1) return undefined
  let h: Header
  try {
    h = JSON.parse(body.subarray(0, nl).toString('utf8')) as Header
  } catch {
    return undefined
  }
  const payload = body.subarray(nl + 1)
  let value: unknown = h.k === NULL ? null : undefined
  if (h.k === VALUE) {
    try {
      value = codec.decode(payload)
    } catch {
      return undefined
    }
  }
  return { value, payload, fresh: h.f, swr: h.w, sie: h.s, delta: h.d, tags: h.t, kind: h.k }
}

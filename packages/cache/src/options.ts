import type { BreakerOptions } from '@highload/breaker/core'
import {
  boolean, createParser, custom, derived, func, integer, list, ms, number, object, oneOf, optional, orFalse, text, toggle,
  type RulesOf
} from '@highload/options'
import type { Cluster, Redis } from 'ioredis'
import { CacheInvalidOptionError } from './errors.js'

/** Turns values into bytes for Redis (and back). One round trip also shapes what L1 holds. */
export interface CacheCodec {
  /** Encodes a value; throw to refuse it (`HL_CACHE_UNSERIALIZABLE`). */
  encode: (value: unknown) => string | Uint8Array
  /** Decodes what `encode` returned. */
  decode: (data: Buffer) => unknown
}

/** The in-process tier (lru-cache). */
export interface CacheL1Options {
  /**
   * Most entries kept.
   * @default 10000
   */
  maxItems?: number
  /**
   * Most bytes kept, counted on the encoded values.
   * @default 67108864
   */
  maxBytes?: number
  /**
   * No L1 copy outlives this, whatever its TTL: it bounds how stale an instance can be when an
   * invalidation message is lost.
   * @default 60000
   */
  maxTtlMs?: number
}

/** The Redis tier. */
export interface CacheL2Options {
  /**
   * Every Redis command fails (and counts as a miss) after this long.
   * @default 100
   */
  commandTimeoutMs?: number
  /**
   * Largest encoded value stored; larger ones fail with `HL_CACHE_VALUE_TOO_LARGE`.
   * @default 1048576
   */
  maxValueBytes?: number
  /**
   * The circuit breaker of every Redis command (`@highload/breaker/core`'s `BreakerOptions`).
   * @default { windowSize: 20, minimumCalls: 5, failureRateThreshold: 50, openMs: 1000, openMultiplier: 2, maxOpenMs: 10000 }
   */
  breaker?: BreakerOptions
}

/** A distributed lease: one instance loads a cold key while the others wait for its value. */
export interface CacheLeaseOptions {
  /**
   * How long a lease is held at most (Redis `PX`).
   * @default 10000
   */
  ttlMs?: number
  /**
   * How long a caller that did not get the lease waits for the holder's value before loading.
   * @default 5000
   */
  waitMs?: number
}

/** Route caching settings that apply to every cached route. */
export interface CacheHttpOptions {
  /**
   * The cache's name in the `Cache-Status` header (RFC 9211).
   * @default 'highload'
   */
  cacheStatusName?: string
  /**
   * Header carrying a response's tags for a CDN (`'Surrogate-Key'`, `'Cache-Tag'`), or `false`.
   * @default false
   */
  surrogateKeyHeader?: string | false
  /**
   * Longest a request waits for a concurrent identical request's response before running the handler itself.
   * @default 5000
   */
  collapseWaitMs?: number
  /**
   * Called with the tags of every tag invalidation (a CDN purge hook). Errors are logged.
   * @default null
   */
  onInvalidate?: ((tags: readonly string[]) => void | Promise<void>) | null
}

/** The health check `cache.<name>`. */
export interface CacheHealthOptions {
  /**
   * Whether a failing check fails readiness.
   * @default false
   */
  critical?: boolean
}

/** Options of `@highload/cache`. */
export interface FastifyHighloadCacheOptions {
  /**
   * Name in events, the breaker and the health check (`cache.<name>`).
   * @default 'default'
   */
  name?: string
  /**
   * Redis for L2 and the bus: a URL, or an ioredis `Redis`/`Cluster` which is duplicated (and never
   * closed by the cache). Absent: `fastify.redis` when @fastify/redis is registered first, else
   * `false` (L1 only).
   * @default fastify.redis when registered, else false
   */
  redis?: string | Redis | Cluster | false
  /**
   * Prefix of every Redis key and of the bus channel. No braces.
   * @default 'hl:<name>:'
   */
  prefix?: string
  /**
   * Freshness of an entry.
   * @default 60000
   */
  ttlMs?: number
  /**
   * Random spread of stored TTLs: the TTL is multiplied by a random number in [1 - jitter, 1].
   * @default 0.1
   */
  jitter?: number
  /**
   * After expiry, how long a stale value is answered at once while one background refresh runs.
   * @default 0
   */
  staleWhileRevalidateMs?: number
  /**
   * After expiry, how long a stale value is answered when the loader fails or times out.
   * @default 0
   */
  staleIfErrorMs?: number
  /**
   * When a stale value exists and the loader takes longer than this, answer the stale value (the
   * load goes on in the background).
   * @default undefined
   */
  softTimeoutMs?: number
  /**
   * Abort the loader's `signal` and reject with `HL_CACHE_LOADER_TIMEOUT` after this long.
   * @default undefined
   */
  hardTimeoutMs?: number
  /**
   * TTL of `null`/`undefined` loads (and 404/410 responses); `0` stores nothing.
   * @default 5000
   */
  negativeTtlMs?: number
  /**
   * XFetch β: a fresh hit refreshes early with a probability that grows towards expiry and with the
   * measured load time. `0` turns early refresh off.
   * @default 1
   */
  earlyRefreshBeta?: number
  /**
   * The in-process tier.
   * @default { maxItems: 10000, maxBytes: 67108864, maxTtlMs: 60000 }
   */
  l1?: CacheL1Options
  /**
   * The Redis tier.
   * @default { commandTimeoutMs: 100, maxValueBytes: 1048576, breaker: { windowSize: 20, minimumCalls: 5, failureRateThreshold: 50, openMs: 1000, openMultiplier: 2, maxOpenMs: 10000 } }
   */
  l2?: CacheL2Options
  /**
   * A distributed lease for every `getOrSet` that does not say `lease: false`. `true` uses the defaults.
   * @default false
   */
  lease?: boolean | CacheLeaseOptions
  /**
   * Longest key (and tag) in UTF-8 bytes.
   * @default 1024
   */
  maxKeyBytes?: number
  /**
   * How values are encoded for Redis (and shaped for L1).
   * @default JSON
   */
  codec?: CacheCodec
  /**
   * Route caching settings that apply to every route.
   * @default { cacheStatusName: 'highload', surrogateKeyHeader: false, collapseWaitMs: 5000, onInvalidate: null }
   */
  http?: CacheHttpOptions
  /**
   * The health check `cache.<name>`: `true` (not critical), `{ critical: true }`, or `false` for none.
   * @default true
   */
  health?: boolean | CacheHealthOptions
}

/** Per-call options of `getOrSet` (and, in part, `set`). Absent keys take the plugin's values. */
export interface CacheCallOptions {
  /**
   * Freshness of the stored entry; `0` stores nothing.
   * @default the plugin's ttlMs
   */
  ttlMs?: number
  /** @default the plugin's staleWhileRevalidateMs */
  staleWhileRevalidateMs?: number
  /** @default the plugin's staleIfErrorMs */
  staleIfErrorMs?: number
  /** @default the plugin's negativeTtlMs */
  negativeTtlMs?: number
  /** @default the plugin's softTimeoutMs */
  softTimeoutMs?: number
  /** @default the plugin's hardTimeoutMs */
  hardTimeoutMs?: number
  /**
   * Tags of the stored entry, for `invalidateTags`.
   * @default []
   */
  tags?: readonly string[]
  /**
   * Use the distributed lease for this call: `true`/`false` overrides the plugin's `lease` (with its
   * settings, or `{ ttlMs: 10000, waitMs: 5000 }` when the plugin's `lease` is off).
   * @default whether the plugin's lease is on
   */
  lease?: boolean
  /**
   * Skip both tiers and load (the result is stored).
   * @default false
   */
  forceFresh?: boolean
}

/** What a loader may change about the entry it is producing. */
export type CacheEntryOptions = Pick<CacheCallOptions, 'ttlMs' | 'staleWhileRevalidateMs' | 'staleIfErrorMs' | 'tags'>

const NAME = /^[A-Za-z0-9_.-]+$/
const NO_BRACES = /^[^{}]*$/

function isCodec (value: unknown): boolean {
  const c = value as CacheCodec | null
  return typeof c === 'object' && c !== null && typeof c.encode === 'function' && typeof c.decode === 'function'
}

/** An ioredis `Redis` or `Cluster` (anything that can be duplicated). */
export function isRedisClient (value: unknown): boolean {
  const c = value as { duplicate?: unknown } | null
  return typeof c === 'object' && c !== null && typeof c.duplicate === 'function'
}

function isRedis (value: unknown): boolean {
  return (typeof value === 'string' && /^rediss?:\/\/./.test(value)) || isRedisClient(value)
}

const breakerRules = {
  windowType: optional(oneOf(['count', 'time'])),
  windowSize: integer({ default: 20, min: 1 }),
  windowMs: optional(ms({ above: 0 })),
  windowBuckets: optional(integer({ min: 1 })),
  minimumCalls: integer({ default: 5, min: 1 }),
  failureRateThreshold: number({ default: 50, above: 0, max: 100 }),
  slowCallDurationMs: optional(ms({ above: 0 })),
  slowCallRateThreshold: optional(number({ above: 0, max: 100 })),
  openMs: ms({ default: 1000, above: 0 }),
  openMultiplier: number({ default: 2, min: 1 }),
  maxOpenMs: ms({ default: 10000, above: 0 }),
  openJitter: optional(number({ min: 0, max: 1 })),
  halfOpenCalls: optional(integer({ min: 1 })),
  halfOpenMaxWaitMs: optional(ms({ above: 0 }))
} satisfies RulesOf<BreakerOptions>

/** The breaker options as the core takes them (absent keys left out, so the core's defaults apply). */
export type BreakerParams = Readonly<BreakerOptions>

const breakerRule = object(breakerRules, {
  refine: (o, fail): BreakerParams => {
    if (o.windowType !== 'time' && o.minimumCalls > o.windowSize) {
      fail('minimumCalls', o.minimumCalls, `at most windowSize (${o.windowSize}), or the breaker could never open`)
    }
    if (o.maxOpenMs < o.openMs) fail('maxOpenMs', o.maxOpenMs, `at least openMs (${o.openMs})`)
    const out: Record<string, unknown> = {}
    for (const [key, value] of Object.entries(o)) if (value !== undefined) out[key] = value
    return out as BreakerParams
  }
})

export const l1Rules = {
  maxItems: integer({ default: 10000, min: 1 }),
  maxBytes: integer({ default: 67108864, min: 1 }),
  maxTtlMs: ms({ default: 60000, above: 0 })
} satisfies RulesOf<CacheL1Options>

export const l2Rules = {
  commandTimeoutMs: ms({ default: 100, above: 0 }),
  maxValueBytes: integer({ default: 1048576, min: 1 }),
  breaker: breakerRule
} satisfies RulesOf<CacheL2Options>

export const leaseRules = {
  ttlMs: ms({ default: 10000, above: 0 }),
  waitMs: ms({ default: 5000, min: 0 })
} satisfies RulesOf<CacheLeaseOptions>

export const httpRules = {
  cacheStatusName: text({ default: 'highload', pattern: /^[A-Za-z0-9_.-]+$/, expected: 'a token (letters, digits, `_`, `.`, `-`)' }),
  surrogateKeyHeader: orFalse(text({ pattern: /^[A-Za-z0-9-]+$/, expected: 'a header name' }), { default: false }),
  collapseWaitMs: ms({ default: 5000 }),
  onInvalidate: func<(tags: readonly string[]) => void | Promise<void>>({ doc: 'null' })
} satisfies RulesOf<CacheHttpOptions>

export const healthRules = {
  critical: boolean({ default: false })
} satisfies RulesOf<CacheHealthOptions>

export const optionRules = {
  name: text({ default: 'default', pattern: NAME, expected: 'a name (letters, digits, `_`, `.`, `-`)' }),
  redis: custom<string | Redis | Cluster | false>('a redis:// URL, an ioredis Redis or Cluster, or false',
    (v) => v === false || isRedis(v), { doc: 'fastify.redis when registered, else false' }),
  prefix: text({ default: derived("'hl:<name>:'"), pattern: NO_BRACES, expected: 'a non-empty string without braces' }),
  ttlMs: ms({ default: 60000 }),
  jitter: number({ default: 0.1, min: 0, below: 1 }),
  staleWhileRevalidateMs: ms({ default: 0 }),
  staleIfErrorMs: ms({ default: 0 }),
  softTimeoutMs: optional(ms({ above: 0 })),
  hardTimeoutMs: optional(ms({ above: 0 })),
  negativeTtlMs: ms({ default: 5000 }),
  earlyRefreshBeta: number({ default: 1, min: 0 }),
  l1: object(l1Rules),
  l2: object(l2Rules),
  lease: toggle(object(leaseRules), { default: false }),
  maxKeyBytes: integer({ default: 1024, min: 1, max: 65536 }),
  codec: custom<CacheCodec>('an object with encode(value) and decode(buffer)', isCodec, { doc: 'JSON' }),
  http: object(httpRules),
  health: toggle(object(healthRules), { default: true })
} satisfies RulesOf<FastifyHighloadCacheOptions>

export const optionsRule = object(optionRules, {
  refine: (o, fail) => {
    if (o.hardTimeoutMs !== undefined && o.softTimeoutMs !== undefined && o.softTimeoutMs >= o.hardTimeoutMs) {
      fail('softTimeoutMs', o.softTimeoutMs, `less than hardTimeoutMs (${o.hardTimeoutMs})`)
    }
    return { ...o, prefix: o.prefix ?? `hl:${o.name}:`, onInvalidate: o.http.onInvalidate ?? null }
  }
})

/** The normalised, frozen options. */
export type CacheParams = ReturnType<typeof parseOptions>

export const parseOptions = createParser(optionsRule, CacheInvalidOptionError)

export const callRules = {
  ttlMs: optional(ms()),
  staleWhileRevalidateMs: optional(ms()),
  staleIfErrorMs: optional(ms()),
  negativeTtlMs: optional(ms()),
  softTimeoutMs: optional(ms({ above: 0 })),
  hardTimeoutMs: optional(ms({ above: 0 })),
  tags: optional(list(text())),
  lease: optional(boolean()),
  forceFresh: optional(boolean())
} satisfies RulesOf<CacheCallOptions>

export const parseCallOptions = createParser(object(callRules), CacheInvalidOptionError)

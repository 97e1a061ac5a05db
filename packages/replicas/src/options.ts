import type { FastifyRequest } from 'fastify'
import type { PoolConfig } from 'pg'
import {
  boolean, toggle, createParser, custom, orFalse, derived, integer, list, ms, number, object, oneOf, required, text,
  type Fail, type Output, type Rule, type RulesOf
} from '@highload/options'
import { ReplicasInvalidOptionError } from './errors.js'

/** A node's connection: any `pg` `PoolConfig` (`connectionString`, `max`, `ssl`, ...). */
export type NodeConfig = PoolConfig

/** A replica: a `pg` `PoolConfig` plus these keys. */
export interface ReplicaConfig extends PoolConfig {
  /**
   * The node's name: `fastify.pg.<name>`, the `node` of events and `status()`. Letters, digits,
   * `_` and `-`; not `primary`.
   */
  name: string
  /**
   * Share of the reads, relative to the other replicas.
   * @default 1
   */
  weight?: number
  /**
   * This replica's `lag.maxLagMs`.
   * @default lag.maxLagMs
   */
  maxLagMs?: number
  /**
   * This replica's `lag.maxLagBytes`.
   * @default lag.maxLagBytes
   */
  maxLagBytes?: number
}

/** How SQL is classified when a query is routed automatically. */
export interface ClassifierOptions {
  /**
   * Functions that may run on a replica although `pg_proc` says VOLATILE (or does not know them).
   * Names, optionally schema-qualified (`app.get_user`).
   * @default []
   */
  readOnlyFunctions?: string[]
  /** Functions that always send a statement to the primary (added to the built-in deny list). @default [] */
  writeFunctions?: string[]
  /** Routing decisions cached, by SQL text. @default 2000 */
  cacheSize?: number
  /** SQL longer than this (in bytes) is not parsed and goes to the primary. @default 16384 */
  maxParseBytes?: number
}

/** Read-your-writes. */
export interface ConsistencyOptions {
  /**
   * `session`: a read honours the client's LSN token; `eventual`: any healthy replica;
   * `strong`: the primary.
   * @default 'session'
   */
  mode?: 'session' | 'eventual' | 'strong'
  /** The request and response header carrying the LSN token (lower case). @default 'x-pg-lsn' */
  header?: string
  /** How long a read waits for a replica to replay the token before it goes to the primary. @default 50 */
  waitMs?: number
  /**
   * A cookie carrying the token too, for browsers: set (HttpOnly, SameSite=Lax, Path=/, Max-Age
   * from `ttlMs`) after a request that wrote, read with the header (the higher wins). `false`: none.
   * @default false
   */
  cookie?: string | false
  /**
   * A server-side token store, for clients that cannot carry the header: read in `onRequest`
   * (the higher of it and the header wins), written after a request that wrote. Needs `key`.
   * @default null
   */
  store?: TokenStore | null
  /** The store's key for a request (a user or tenant id); `null` or `undefined`: no store for it. @default null */
  key?: ((request: FastifyRequest) => string | null | undefined) | null
  /** How long the store keeps a token. @default 30000 */
  ttlMs?: number
}

/** Where tokens are kept between requests (Redis, say): keyed by `consistency.key(request)`. */
export interface TokenStore {
  /** The token last stored under `key`, or null. */
  get: (key: string) => Promise<string | null | undefined> | string | null | undefined
  /** Keeps `token` under `key` for `ttlMs`. */
  set: (key: string, token: string, ttlMs: number) => Promise<unknown> | unknown
}

/** Replication lag, measured on each replica. */
export interface LagOptions {
  /** Time between two measurements. @default 500 */
  pollIntervalMs?: number
  /** Time a measurement may take; longer counts as a failed probe. @default 250 */
  probeTimeoutMs?: number
  /** A replica further behind than this serves no reads (it returns under half). @default 5000 */
  maxLagMs?: number
  /** A replica further behind than this many bytes of WAL serves no reads (it returns under half). @default 16777216 */
  maxLagBytes?: number
}

/** The circuit breaker of each node (`@highload/breaker/core`), counting connection-class failures only. */
export interface NodeBreakerOptions {
  /** Calls the window must hold before the breaker may open. @default 3 */
  minimumCalls?: number
  /** Calls kept in the window. @default 20 */
  windowSize?: number
  /** Time the breaker stays open before the next probe. @default 1000 */
  openMs?: number
  /** Each re-open without a close in between multiplies the open time by this. @default 2 */
  openMultiplier?: number
  /** Upper bound of the open time. @default 30000 */
  maxOpenMs?: number
}

/** Retries of reads (never of writes). */
export interface RetryOptions {
  /** Attempts in total for one read, each on a node not yet tried. @default replicas + 1 */
  maxAttempts?: number
}

/** Reads sent to the primary because no replica could take them. */
export interface FallbackOptions {
  /** Such reads running at once on the primary; more fail with `HL_REPLICAS_UNAVAILABLE`. @default half the primary pool's max (>= 1) */
  maxPrimaryReads?: number
}

/** Health checks registered with @highload/health when it is present. */
export interface HealthOptions {
  /** Whether the primary's check is critical (fails readiness). Replica checks never are. @default false */
  critical?: boolean
}

/** Options of `@highload/replicas`. */
export interface FastifyHighloadReplicasOptions {
  /** The primary: a `pg` `PoolConfig`, registered as `fastify.pg.primary`. */
  primary: NodeConfig
  /** The streaming replicas, each registered as `fastify.pg.<name>`. @default [] */
  replicas?: ReplicaConfig[]
  /** Where `db.query()` goes without a target: the primary, or `auto` (classify the SQL). @default 'primary' */
  defaultTarget?: 'primary' | 'auto'
  /** `connectionTimeoutMillis` of each node's pool, unless the node sets its own. @default 2000 */
  connectTimeoutMs?: number
  /** @default {} */
  classifier?: ClassifierOptions
  /** @default {} */
  consistency?: ConsistencyOptions
  /** @default {} */
  lag?: LagOptions
  /** @default {} */
  breaker?: NodeBreakerOptions
  /** A readmitted replica's weight ramps from 10 % to 100 % over this time. @default 10000 */
  slowStartMs?: number
  /** How a replica is chosen: two drawn by weight, fewer in flight wins (`p2c`), or in turn. @default 'p2c' */
  selection?: 'p2c' | 'round-robin'
  /** A query slower than this is published on `highload:replicas:slow-query`. @default 1000 */
  slowQueryMs?: number
  /** @default {} */
  retry?: RetryOptions
  /** @default {} */
  fallback?: FallbackOptions
  /** `false`: no health checks. `{ critical: true }`: the primary's check is critical. @default true */
  health?: boolean | HealthOptions
}

const FUNCTION_NAME = /^[A-Za-z_][\w$]*(\.[A-Za-z_][\w$]*)?$/
const NODE_NAME = /^[A-Za-z][\w-]{0,62}$/

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * An object with `rule`'s keys plus any `pg` `PoolConfig` keys, which pg checks itself. The
 * known keys are validated by `rule`; the rest becomes `pool`.
 */
function withPoolConfig<T extends object> (rule: Rule<T>): Rule<T & { readonly pool: Readonly<PoolConfig> }> {
  const expected = 'an object (a pg PoolConfig)'
  return {
    expected,
    documented: { kind: 'required' },
    shape: rule.shape,
    parse (value: unknown, path: string, fail: Fail) {
      if (!isPlainObject(value)) fail(path, value, expected)
      const known: Record<string, unknown> = {}
      const pool: Record<string, unknown> = {}
      for (const [key, entry] of Object.entries(value)) {
        if (Object.hasOwn(rule.shape as object, key)) known[key] = entry
        else pool[key] = entry
      }
      return Object.freeze({ ...rule.parse(known, path, fail), pool: Object.freeze(pool) })
    }
  }
}

/** The keys of a replica besides its `PoolConfig` (documented in the README's "Replica options"). */
export const replicaRules = {
  name: required(text({ pattern: NODE_NAME, expected: 'a name of letters, digits, _ and - (not "primary")' })),
  weight: number({ above: 0, default: 1 }),
  maxLagMs: ms({ default: derived('lag.maxLagMs') }),
  maxLagBytes: integer({ min: 0, default: derived('lag.maxLagBytes') })
} satisfies RulesOf<Omit<ReplicaConfig, keyof PoolConfig>>

export const replicaRule = object(replicaRules)

export const classifierRules = {
  readOnlyFunctions: list(text({ pattern: FUNCTION_NAME, expected: 'a function name' }), { default: [] }),
  writeFunctions: list(text({ pattern: FUNCTION_NAME, expected: 'a function name' }), { default: [] }),
  cacheSize: integer({ min: 1, default: 2000 }),
  maxParseBytes: integer({ min: 1, max: 1_048_576, default: 16384 })
} satisfies RulesOf<ClassifierOptions>

export const consistencyRules = {
  mode: oneOf(['session', 'eventual', 'strong'], { default: 'session' }),
  header: text({ pattern: /^[a-z0-9!#$%&'*+.^_`|~-]+$/, expected: 'a lower-case HTTP header name', default: 'x-pg-lsn' }),
  waitMs: ms({ default: 50 }),
  cookie: orFalse(text({ pattern: /^[A-Za-z0-9_-]{1,64}$/, expected: 'a cookie name of letters, digits, _ and -' }), { default: false }),
  store: custom<TokenStore | null>('an object with get(key) and set(key, token, ttlMs) functions, or null',
    (v) => v === null || (typeof v === 'object' && typeof (v as TokenStore).get === 'function' && typeof (v as TokenStore).set === 'function'),
    { default: null }),
  key: custom<((request: FastifyRequest) => string | null | undefined) | null>('a function of the request, or null',
    (v) => v === null || typeof v === 'function', { default: null }),
  ttlMs: ms({ min: 1, default: 30000 })
} satisfies RulesOf<ConsistencyOptions>

export const lagRules = {
  pollIntervalMs: ms({ min: 10, default: 500 }),
  probeTimeoutMs: ms({ min: 1, default: 250 }),
  maxLagMs: ms({ default: 5000 }),
  maxLagBytes: integer({ min: 0, default: 16777216 })
} satisfies RulesOf<LagOptions>

export const breakerRules = {
  minimumCalls: integer({ min: 1, default: 3 }),
  windowSize: integer({ min: 1, default: 20 }),
  openMs: ms({ min: 1, default: 1000 }),
  openMultiplier: number({ min: 1, default: 2 }),
  maxOpenMs: ms({ min: 1, default: 30000 })
} satisfies RulesOf<NodeBreakerOptions>

export const retryRules = {
  maxAttempts: integer({ min: 1, default: derived('replicas + 1') })
} satisfies RulesOf<RetryOptions>

export const fallbackRules = {
  maxPrimaryReads: integer({ min: 0, default: derived("half the primary pool's max (>= 1)") })
} satisfies RulesOf<FallbackOptions>

const healthRule = toggle(object({ critical: boolean({ default: false }) } satisfies RulesOf<HealthOptions>), { default: true })

export const rules = {
  primary: withPoolConfig(object({})),
  replicas: list(withPoolConfig(replicaRule), { default: [] }),
  defaultTarget: oneOf(['primary', 'auto'], { default: 'primary' }),
  connectTimeoutMs: ms({ min: 1, default: 2000 }),
  classifier: object(classifierRules),
  consistency: object(consistencyRules),
  lag: object(lagRules),
  breaker: object(breakerRules),
  slowStartMs: ms({ default: 10000 }),
  selection: oneOf(['p2c', 'round-robin'], { default: 'p2c' }),
  slowQueryMs: ms({ default: 1000 }),
  retry: object(retryRules),
  fallback: object(fallbackRules),
  health: healthRule
} satisfies RulesOf<FastifyHighloadReplicasOptions>

type Raw = Output<ReturnType<typeof object<typeof rules>>>

/** A replica, normalised. */
export interface ReplicaParams {
  readonly name: string
  readonly weight: number
  readonly maxLagMs: number
  readonly maxLagBytes: number
  readonly pool: Readonly<PoolConfig>
}

/** The normalised, frozen options. */
export interface ReplicasParams extends Omit<Raw, 'replicas' | 'retry' | 'fallback' | 'health' | 'primary'> {
  readonly primary: { readonly pool: Readonly<PoolConfig> }
  readonly replicas: readonly ReplicaParams[]
  readonly maxAttempts: number
  readonly maxPrimaryReads: number
  /** The token store, or null. */
  readonly store: StoreParams | null
  /** Health checks off (`null`), or whether the primary's is critical. */
  readonly health: { readonly critical: boolean } | null
}

/** The store and its key, both or neither. */
function consistencyStore (
  c: { store?: TokenStore | null, key?: ((request: FastifyRequest) => string | null | undefined) | null, ttlMs: number },
  fail: (key: string, value: unknown, expected: string) => never
): StoreParams | null {
  if (c.store == null) return null
  if (c.key == null) fail('consistency.key', c.key, 'a function of the request (consistency.store needs it)')
  return Object.freeze({ store: c.store, key: c.key, ttlMs: c.ttlMs })
}

/** A token store in use. */
export interface StoreParams {
  readonly store: TokenStore
  readonly key: (request: FastifyRequest) => string | null | undefined
  readonly ttlMs: number
}

/** pg's default pool size. */
const PG_DEFAULT_MAX = 10

export const optionsRule = object(rules, {
  refine (o, fail): ReplicasParams {
    const seen = new Set<string>()
    const replicas = o.replicas.map((r, i): ReplicaParams => {
      if (r.name === 'primary' || seen.has(r.name)) {
        fail(`replicas[${i}].name`, r.name, 'a name no other node has (and not "primary")')
      }
      seen.add(r.name)
      return Object.freeze({
        name: r.name,
        weight: r.weight,
        maxLagMs: r.maxLagMs ?? o.lag.maxLagMs,
        maxLagBytes: r.maxLagBytes ?? o.lag.maxLagBytes,
        pool: r.pool
      })
    })
    const primaryMax = typeof o.primary.pool.max === 'number' ? o.primary.pool.max : PG_DEFAULT_MAX
    return {
      primary: o.primary,
      replicas: Object.freeze(replicas),
      defaultTarget: o.defaultTarget,
      connectTimeoutMs: o.connectTimeoutMs,
      classifier: o.classifier,
      consistency: o.consistency,
      store: consistencyStore(o.consistency, fail),
      lag: o.lag,
      breaker: o.breaker,
      slowStartMs: o.slowStartMs,
      selection: o.selection,
      slowQueryMs: o.slowQueryMs,
      maxAttempts: o.retry.maxAttempts ?? replicas.length + 1,
      maxPrimaryReads: o.fallback.maxPrimaryReads ?? Math.max(1, Math.floor(primaryMax / 2)),
      health: o.health
    }
  }
})

/** Validates and normalises the options once, at registration. */
export const parseOptions: (input: unknown) => ReplicasParams = createParser(optionsRule, ReplicasInvalidOptionError)

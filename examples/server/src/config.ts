export interface ServerConfig {
  port: number
  host: string
  logLevel: string
  /** Passed to @highload/shutdown; undefined keeps its default (5 s on Kubernetes, else 0). */
  drainDelayMs: number | undefined
  /** Requests per client per window for @fastify/rate-limit. */
  rateLimitMax: number
  rateLimitWindowMs: number
  /** When set, `GET /upstream` proxies to it through the `upstream` circuit breaker. */
  upstreamUrl: string | undefined
  /** When set, @highload/replicas routes the notes routes' queries (DATABASE_URL). */
  databaseUrl: string | undefined
  /** Streaming replicas of that primary (DATABASE_REPLICA_URLS, comma-separated). */
  databaseReplicaUrls: string[]
  /** When set, @highload/cache keeps its L2 and invalidation bus there (REDIS_URL); otherwise L1 only. */
  redisUrl: string | undefined
}

function integer (env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name]
  const value = raw === undefined ? fallback : Number(raw)
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be an integer from ${min} to ${max}, got ${JSON.stringify(raw)}`)
  }
  return value
}

function upstreamUrl (raw: string | undefined): string | undefined {
  if (raw === undefined || raw === '') return undefined
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw new RangeError(`UPSTREAM_URL must be an http(s) URL, got ${JSON.stringify(raw)}`)
  }
  return raw
}

function connectionUrl (name: string, raw: string | undefined, protocols: readonly string[]): string | undefined {
  if (raw === undefined || raw === '') return undefined
  // The value is a secret (it may hold a password): the error names the variable, never the value.
  if (!URL.canParse(raw) || !protocols.includes(new URL(raw).protocol)) {
    throw new RangeError(`${name} must be a ${protocols.join(' or ')}// URL`)
  }
  return raw
}

function connectionUrls (name: string, raw: string | undefined, protocols: readonly string[]): string[] {
  if (raw === undefined || raw.trim() === '') return []
  return raw.split(',').map((url) => connectionUrl(name, url.trim(), protocols) as string)
}

const POSTGRES = ['postgres:', 'postgresql:']

/** Reads the example server's settings from the environment, with defaults for local runs. */
export function readConfig (env: NodeJS.ProcessEnv): ServerConfig {
  return {
    port: integer(env, 'PORT', 3000, 0, 65535),
    host: env.HOST ?? '127.0.0.1',
    logLevel: env.LOG_LEVEL ?? 'info',
    drainDelayMs: env.DRAIN_DELAY_MS === undefined ? undefined : integer(env, 'DRAIN_DELAY_MS', 0, 0, 600_000),
    rateLimitMax: integer(env, 'RATE_LIMIT_MAX', 100, 1, Number.MAX_SAFE_INTEGER),
    rateLimitWindowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1, Number.MAX_SAFE_INTEGER),
    upstreamUrl: upstreamUrl(env.UPSTREAM_URL),
    databaseUrl: connectionUrl('DATABASE_URL', env.DATABASE_URL, POSTGRES),
    databaseReplicaUrls: connectionUrls('DATABASE_REPLICA_URLS', env.DATABASE_REPLICA_URLS, POSTGRES),
    redisUrl: connectionUrl('REDIS_URL', env.REDIS_URL, ['redis:', 'rediss:'])
  }
}

import { HealthInvalidOptionError } from '../errors.js'
import type { HealthCheckOptions, HealthCheckSpec } from '../options.js'

/** Any client with a promise-returning `ping()`: an ioredis `Redis` or `Cluster`, `app.redis` from @fastify/redis. */
export interface RedisPingClient {
  ping(): Promise<unknown>
}

/** Options of `redisCheck()`: every check option, plus the name. */
export interface RedisCheckOptions extends HealthCheckOptions {
  /** @default 'redis' */
  name?: string
}

/**
 * A `PING` check. While one PING is outstanding (a paused or unreachable server), later runs wait on
 * it instead of queueing more commands; the engine's timeout still fails each run on time.
 */
export function redisCheck (client: RedisPingClient, options: RedisCheckOptions = {}): HealthCheckSpec {
  if (typeof client?.ping !== 'function') {
    throw new HealthInvalidOptionError('redisCheck() needs a client with a ping() method (an ioredis client or app.redis)')
  }
  let pending: Promise<unknown> | null = null
  return {
    componentType: 'datastore',
    ...options,
    name: options.name ?? 'redis',
    async check () {
      pending ??= client.ping().finally(() => { pending = null })
      await pending
    }
  }
}

import { createParser, object, text, type RulesOf } from '@highload/options'
import { HealthInvalidOptionError } from '../errors.js'
import { checkName, checkOptionRules, refuse } from '../options.js'
import type { HealthCheckOptions, HealthCheckSpec } from '../options.js'

/** Any client with a promise-returning `ping()`: an ioredis `Redis` or `Cluster`, `app.redis` from @fastify/redis. */
export interface RedisPingClient {
  ping(): Promise<unknown>
}

/** Options of `redisCheck()`: every check option, plus the name. */
export interface RedisCheckOptions extends HealthCheckOptions {
  /** @default 'redis' */
  name?: string
  /** @default 'datastore' */
  componentType?: string
}

/** The options whose defaults are the factory's own (the README's `redisCheck()` table). */
export const redisOwnRules = {
  name: checkName('redis'),
  componentType: text({ default: 'datastore' })
} satisfies RulesOf<Pick<RedisCheckOptions, 'name' | 'componentType'>>

const parseRedisOptions = createParser(
  object({ ...checkOptionRules, ...redisOwnRules } satisfies RulesOf<RedisCheckOptions>),
  HealthInvalidOptionError
)

/**
 * A `PING` check. While one PING is outstanding (a paused or unreachable server), later runs wait on
 * it instead of queueing more commands; the engine's timeout still fails each run on time.
 */
export function redisCheck (client: RedisPingClient, options: RedisCheckOptions = {}): HealthCheckSpec {
  if (typeof client?.ping !== 'function') {
    refuse('redisCheck(client)', client, 'a client with a ping() method (an ioredis client or app.redis)')
  }
  const o = parseRedisOptions(options, 'redisCheck')
  let pending: Promise<unknown> | null = null
  return {
    ...o,
    async check () {
      pending ??= client.ping().finally(() => { pending = null })
      await pending
    }
  }
}

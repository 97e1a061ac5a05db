import type { TokenStore } from './options.js'

/** What the store needs of a Redis client: ioredis `Redis` or `Cluster`, or `fastify.redis`. */
export interface RedisTokenClient {
  get: (key: string) => Promise<string | null>
  eval: (script: string, numberOfKeys: number, ...args: Array<string | number>) => Promise<unknown>
}

export interface RedisTokenStoreOptions {
  /**
   * Prepended to every key.
   * @default 'hl:lsn:'
   */
  prefix?: string
}

// Keeps the higher of the stored and the new token, so two writes of one user that finish out of
// order can never move the token back (a read with the older one could miss the newer write).
// LSNs are "hi/lo" in hex; hi * 2^32 + lo is exact in a Lua number up to 2^53.
const SET_MAX = `
local function lsn (s)
  if not s then return -1 end
  local hi, lo = string.match(s, '^(%x+)/(%x+)$')
  if not hi then return -1 end
  return tonumber(hi, 16) * 4294967296 + tonumber(lo, 16)
end
if lsn(redis.call('GET', KEYS[1])) >= lsn(ARGV[1]) then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`

/**
 * A `consistency.store` over Redis, so a user's read-your-writes token follows them across
 * instances without the client carrying it: `store: redisTokenStore(app.redis)`. A store that
 * fails makes the request read from the primary (logged), never a stale read.
 */
export function redisTokenStore (redis: RedisTokenClient, options: RedisTokenStoreOptions = {}): TokenStore {
  const prefix = options.prefix ?? 'hl:lsn:'
  return {
    get: async (key) => await redis.get(prefix + key),
    set: async (key, token, ttlMs) => await redis.eval(SET_MAX, 1, prefix + key, token, Math.max(1, Math.round(ttlMs)))
  }
}

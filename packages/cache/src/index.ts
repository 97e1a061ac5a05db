import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import type { Cluster, Redis } from 'ioredis'
import { HighloadCache } from './cache.js'
import { addHealthCheck } from './health.js'
import { routeCaching } from './http.js'
import { isRedisClient, parseOptions, type FastifyHighloadCacheOptions } from './options.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The multi-tier cache of @highload/cache. */
    cache: HighloadCache
  }
}

/** `fastify.redis` of @fastify/redis, when it was registered before us. */
function appRedis (fastify: FastifyInstance): Redis | Cluster | false {
  if (!fastify.hasDecorator('redis')) return false
  const redis = (fastify as unknown as { redis: unknown }).redis
  return isRedisClient(redis) ? redis as Redis | Cluster : false
}

const plugin: FastifyPluginAsync<FastifyHighloadCacheOptions> = async function highloadCache (fastify, options) {
  const params = parseOptions(options)
  const redis = params.redis ?? appRedis(fastify)
  const cache = new HighloadCache(params, redis, fastify.log)
  fastify.decorate('cache', cache)
  if (params.health !== null) addHealthCheck(fastify, cache, params.health.critical)
  routeCaching(fastify, cache, params)
  fastify.addHook('onClose', async () => { await cache.close() })
}

/** Multi-tier cache for Fastify 5: lru-cache over Redis that never hangs, never stampedes and invalidates tags everywhere. */
export const fastifyHighloadCache = fp(plugin, { fastify: '5.x', name: '@highload/cache' })
export default fastifyHighloadCache

export { HighloadCache, INVALIDATION_DEADLINE_MS, CLOSE_WAIT_MS, MAX_PENDING_INVALIDATIONS } from './cache.js'
export type { CacheLoader, CacheLoaderContext, CacheStatus } from './cache.js'
export { jsonCodec } from './entry.js'
export {
  codes, CacheClosedError, CacheInvalidKeyError, CacheInvalidOptionError, CacheLoaderTimeoutError,
  CacheUnavailableError, CacheUnserializableError, CacheValueTooLargeError
} from './errors.js'
export type { CacheErrorCode } from './errors.js'
export type {
  CacheCollapsedEvent, CacheErrorEvent, CacheInvalidateEvent, CacheInvalidationKind, CacheLookupEvent, CacheTier
} from './events.js'
export { HEALTH_INTERVAL_MS } from './health.js'
export type { CacheRouteOptions } from './http.js'
export type {
  CacheCallOptions, CacheCodec, CacheEntryOptions, CacheHealthOptions, CacheHttpOptions, CacheL1Options,
  CacheL2Options, CacheLeaseOptions, FastifyHighloadCacheOptions
} from './options.js'

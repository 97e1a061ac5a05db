import fastifyPostgres from '@fastify/postgres'
import type { FastifyPluginAsync } from 'fastify'
import type { Pool, PoolConfig } from 'pg'
import fp from 'fastify-plugin'
import { Classifier } from './classifier.js'
import { HighloadDb } from './db.js'
import { registerHealthChecks } from './health.js'
import { parseOptions, type FastifyHighloadReplicasOptions } from './options.js'
import { Router } from './router.js'
import { routeHook, type RouteDbOptions } from './session.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Routes queries between the primary and the replicas (no request token). */
    db: HighloadDb
  }
  interface FastifyRequest {
    /** `fastify.db` carrying this request's LSN token and route settings (`null` on routes registered before the plugin). */
    db: HighloadDb
  }
  interface FastifyContextConfig {
    /** Route settings of @highload/replicas; `false` opts the route out of tokens. */
    db?: RouteDbOptions | false
  }
}

const replicas: FastifyPluginAsync<FastifyHighloadReplicasOptions> = async function fastifyHighloadReplicas (fastify, options) {
  const params = parseOptions(options)
  await Classifier.load()
  const router = new Router(params, fastify.log)
  const configs: ReadonlyArray<Readonly<PoolConfig>> = [params.primary.pool, ...params.replicas.map((r) => r.pool)]
  for (const [i, node] of router.nodes.entries()) {
    const config = configs[i] as Readonly<PoolConfig>
    await fastify.register(fastifyPostgres, {
      ...config,
      connectionTimeoutMillis: config.connectionTimeoutMillis ?? params.connectTimeoutMs,
      name: node.name
    })
    const pool = (fastify.pg[node.name] as { pool: Pool }).pool
    // An idle client of a dead server emits 'error'; unhandled, it would crash the process.
    pool.on('error', (err) => fastify.log.warn({ err, node: node.name }, '@highload/replicas: idle client error'))
    node.pool = pool
  }
  const db = new HighloadDb(router, null)
  fastify.decorate('db', db)
  fastify.decorateRequest('db', null as unknown as HighloadDb)
  fastify.addHook('onRoute', routeHook(router, db))
  await router.start()
  fastify.addHook('onReady', async function replicasHealth () {
    if (params.health !== null) registerHealthChecks(fastify, router, params.health.critical)
  })
  // Added after the pools' own onClose hooks, so it runs before them (onClose is LIFO): pollers
  // stop and queries in flight finish before the pools end.
  fastify.addHook('onClose', async function replicasClose () {
    await router.close()
  })
}

/** The plugin. */
export const fastifyHighloadReplicas = fp(replicas, { fastify: '5.x', name: '@highload/replicas' })
export default fastifyHighloadReplicas

export { HighloadDb } from './db.js'
export { redisTokenStore, type RedisTokenClient, type RedisTokenStoreOptions } from './redis-store.js'
export type { Isolation, QueryOptions, ReadOptions, RouteExplanation, Target, TransactionOptions, Tx } from './db.js'
export type { NodeStatus, Consistency } from './router.js'
export type { RouteDbOptions } from './session.js'
export type {
  ClassifierOptions, ConsistencyOptions, FallbackOptions, FastifyHighloadReplicasOptions, HealthOptions, LagOptions,
  NodeBreakerOptions, NodeConfig, ReplicaConfig, RetryOptions, TokenStore
} from './options.js'
export type { ClassifyReason } from './classifier.js'
export type { LagEvent, NodeEvent, NodeState, RetryEvent, RouteEvent, SlowQueryEvent } from './channels.js'
export {
  codes, ReplicasClosedError, ReplicasInvalidOptionError, ReplicasInvalidQueryError, ReplicasInvalidTokenError,
  ReplicasNotAReadError, ReplicasPrimaryUnavailableError, ReplicasUnavailableError
} from './errors.js'
export type { RetryAfterFields } from '@highload/breaker/core'

import { findRedisBinaries } from './binaries.js'
import { assertCount, startAll } from './external.js'
import { HOST } from './ports.js'
import { START_TIMEOUT_MS, redisCommand, startLocalRedis } from './redis.js'
import type { RedisServer } from './redis.js'
import { run } from './run.js'
import { waitFor } from './wait.js'

/** A throwaway Redis Cluster: one master per node, no replicas, all 16384 slots assigned. */
export interface RedisCluster {
  /** The cluster-enabled servers; kill/restart/pause work on each (a restarted node rejoins, with empty data). */
  nodes: RedisServer[]
  /** What ioredis `new Cluster(startupNodes)` wants. */
  startupNodes: Array<{ host: string, port: number }>
  /** Stops every node and removes their temp dirs; idempotent. */
  close(): Promise<void>
}

export interface StartRedisClusterOptions {
  /**
   * Number of master nodes (redis-cli needs at least 3).
   * @default 3
   */
  masters?: number
}

/**
 * Starts cluster-enabled nodes, joins them with `redis-cli --cluster create`, and resolves once
 * every node reports `cluster_state:ok`. Never reuses REDIS_URL.
 */
export async function startRedisCluster (opts: StartRedisClusterOptions = {}): Promise<RedisCluster> {
  const masters = opts.masters ?? 3
  assertCount('masters', masters, 3)
  const { redisServer, redisCli } = findRedisBinaries(true)
  const nodes = await startAll(masters, () => startLocalRedis(redisServer, true))
  const cluster: RedisCluster = {
    nodes,
    startupNodes: nodes.map((n) => ({ host: n.host, port: n.port })),
    close: async () => { await Promise.all(nodes.map((n) => n.close())) }
  }
  try {
    await run(redisCli as string, ['--cluster', 'create', ...nodes.map((n) => `${HOST}:${n.port}`), '--cluster-replicas', '0', '--cluster-yes'], {
      what: 'redis-cli --cluster create',
      timeoutMs: START_TIMEOUT_MS
    })
    await waitFor('every Redis Cluster node to report cluster_state:ok', START_TIMEOUT_MS, async () => {
      const infos = await Promise.all(nodes.map((n) => redisCommand(n.port, ['CLUSTER', 'INFO'])))
      return infos.every((info) => info.includes('cluster_state:ok'))
    })
  } catch (err) {
    await cluster.close()
    throw err
  }
  return cluster
}

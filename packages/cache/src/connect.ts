import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis'
import type { Client } from './l2.js'

/** The cache's own connections: commands and the bus subscriber. Both are ours to close. */
export interface Connections {
  command: Client
  subscriber: Client
}

// Commands never wait for a connection and are never replayed: a failure is a miss.
const COMMAND: RedisOptions = { enableOfflineQueue: false, maxRetriesPerRequest: 0, autoResubscribe: false }
// The subscriber may queue its SUBSCRIBE until connected, and resubscribes after a reconnect.
const SUBSCRIBER: RedisOptions = { enableOfflineQueue: true, maxRetriesPerRequest: null, autoResubscribe: true }

/**
 * Opens the cache's connections from a URL, or duplicates the user's client (theirs is never
 * used for commands and never closed by us).
 */
function clusterOptions (source: Cluster, own: RedisOptions): ClusterOptions {
  return { enableOfflineQueue: own.enableOfflineQueue, redisOptions: { ...source.options.redisOptions, ...own } }
}

export function connect (source: string | Redis | Cluster): Connections {
  if (typeof source === 'string') {
    return { command: new Redis(source, COMMAND), subscriber: new Redis(source, SUBSCRIBER) }
  }
  if ((source as { isCluster?: boolean }).isCluster === true) {
    const cluster = source as Cluster
    return {
      command: cluster.duplicate(undefined, clusterOptions(cluster, COMMAND)),
      subscriber: cluster.duplicate(undefined, clusterOptions(cluster, SUBSCRIBER))
    }
  }
  const redis = source as Redis
  return { command: redis.duplicate(COMMAND), subscriber: redis.duplicate(SUBSCRIBER) }
}

/** Closes at once: no QUIT round trip, so a paused Redis cannot hold up `app.close()`. */
export function disconnect (conns: Connections): void {
  conns.command.disconnect()
  conns.subscriber.disconnect()
}

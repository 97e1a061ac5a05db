import type { PoolClient, QueryResult } from 'pg'
import { lagChannel } from './channels.js'
import { formatLsn, parseLsn } from './lsn.js'
import type { DbNode } from './node.js'

const PRIMARY_SQL = 'SELECT pg_current_wal_lsn()::text AS lsn'
const REPLICA_SQL = 'SELECT pg_is_in_recovery() AS recovery, pg_last_wal_receive_lsn()::text AS receive, ' +
  'pg_last_wal_replay_lsn()::text AS replay, ' +
  '(extract(epoch FROM now() - pg_last_xact_replay_timestamp()) * 1000)::float8 AS age'
export const VOLATILITY_SQL = 'SELECT n.nspname AS schema, p.proname AS name, bool_and(p.provolatile <> \'v\') AS safe ' +
  'FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace GROUP BY 1, 2'

/**
 * One statement on its own client, through the node's breaker (a failed probe counts), with a
 * read timeout. A timed-out client is destroyed rather than returned with a query pending.
 */
export async function probe (node: DbNode, sql: string, timeoutMs: number): Promise<QueryResult> {
  return await node.policy.execute(async () => {
    const client: PoolClient = await node.pool.connect()
    // The query's own failure is what counts; this only keeps a lost connection from crashing the process.
    /* c8 ignore next -- runs only when the connection drops in the microseconds a probe holds its client */
    const onError = (): void => {}
    client.on('error', onError)
    try {
      const result = await client.query({ text: sql, query_timeout: timeoutMs } as unknown as string)
      client.off('error', onError)
      client.release()
      return result
    } catch (err) {
      client.off('error', onError)
      client.release(err as Error)
      throw err
    }
  })
}

interface ReplicaRow {
  recovery: boolean
  receive: string | null
  replay: string | null
  age: number | null
}

/**
 * Applies one measurement. Byte lag is against the primary's current LSN (or the replica's own
 * receive LSN while the primary is unreachable); time lag is 0 once replay reaches that LSN,
 * else the age of the last replayed transaction; NULL is unknown, never 0. Over either limit the
 * replica is ejected; it returns under half of both.
 */
export function applyLag (node: DbNode, row: ReplicaRow, primaryLsn: bigint | null, now: number): void {
  if (!row.recovery) {
    node.promoted = true
    node.refresh('promoted', now)
    return
  }
  const replay = row.replay === null ? null : parseLsn(row.replay)
  const receive = row.receive === null ? null : parseLsn(row.receive)
  const reference = primaryLsn ?? receive
  node.replayLsn = replay
  if (replay === null || reference === null) {
    node.lagBytes = null
    node.lagMs = null
  } else {
    const behind = reference - replay
    node.lagBytes = behind > 0n ? Number(behind) : 0
    node.lagMs = behind <= 0n ? 0 : (row.age === null ? null : Math.max(0, Math.round(row.age)))
  }
  const over = node.lagMs === null || node.lagBytes === null || node.lagMs > node.maxLagMs || node.lagBytes > node.maxLagBytes
  const under = node.lagMs !== null && node.lagBytes !== null && node.lagMs <= node.maxLagMs / 2 && node.lagBytes <= node.maxLagBytes / 2
  if (!node.lagging && over) {
    node.lagging = true
  } else if (node.lagging && under) {
    node.lagging = false
    node.readmit(now)
  }
  if (lagChannel.hasSubscribers) {
    lagChannel.publish({ node: node.name, lagMs: node.lagMs, lagBytes: node.lagBytes, replayLsn: replay === null ? null : formatLsn(replay) })
  }
  node.refresh(node.lagging ? 'lag' : 'lag-ok', now)
}

/** Measures one replica; a failed probe leaves the last measurement and counts in the breaker. */
export async function measureReplica (node: DbNode, primaryLsn: bigint | null, timeoutMs: number): Promise<void> {
  let row: ReplicaRow
  try {
    row = (await probe(node, REPLICA_SQL, timeoutMs)).rows[0] as ReplicaRow
  } catch {
    node.refresh('probe-failed')
    return
  }
  applyLag(node, row, primaryLsn, Date.now())
}

/** The primary's current WAL LSN, or null when it cannot be reached. */
export async function measurePrimary (node: DbNode, timeoutMs: number): Promise<bigint | null> {
  try {
    const row = (await probe(node, PRIMARY_SQL, timeoutMs)).rows[0] as { lsn: string }
    node.refresh('probe-ok')
    return parseLsn(row.lsn)
  } catch {
    node.refresh('probe-failed')
    return null
  }
}

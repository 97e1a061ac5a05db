import { channel } from 'node:diagnostics_channel'

/** One message per query attempt: where it went and why. */
export interface RouteEvent {
  target: 'primary' | 'replica'
  /** The node's name (`primary`, `replica1`, ...). */
  node: string
  reason: string
}

/** A node's state changed. */
export interface NodeEvent {
  node: string
  role: 'primary' | 'replica'
  from: NodeState
  to: NodeState
  reason: string
}

/** One lag measurement of a replica. */
export interface LagEvent {
  node: string
  /** Milliseconds behind, or null when unknown. */
  lagMs: number | null
  /** Bytes of WAL behind, or null when unknown. */
  lagBytes: number | null
  /** The replay LSN as PostgreSQL prints it, or null. */
  replayLsn: string | null
}

/** A read is retried on another node. */
export interface RetryEvent {
  /** The node that failed. */
  node: string
  /** `connection`, `conflict` (40001) or `misroute` (25006). */
  cause: 'connection' | 'conflict' | 'misroute'
  /** The failed attempt's number, from 1. */
  attempt: number
}

/** A query took at least `slowQueryMs`. */
export interface SlowQueryEvent {
  node: string
  /** The statement's fingerprint (never its text). */
  fingerprint: string
  durationMs: number
}

/** `up`: serving; `warming`: readmitted, weight ramping; `lagging`; `down` (breaker open); `promoted`. */
export type NodeState = 'up' | 'warming' | 'lagging' | 'down' | 'promoted'

export const routeChannel = channel('highload:replicas:route')
export const nodeChannel = channel('highload:replicas:node')
export const lagChannel = channel('highload:replicas:lag')
export const retryChannel = channel('highload:replicas:retry')
export const slowQueryChannel = channel('highload:replicas:slow-query')

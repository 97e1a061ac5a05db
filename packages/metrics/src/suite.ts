import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Family } from './family.js'

type Handler = (message: unknown, name: string | symbol) => void

function field (message: unknown, key: string): string {
  if (typeof message !== 'object' || message === null) return ''
  const value = (message as Record<string, unknown>)[key]
  return typeof value === 'string' ? value : ''
}

/** A numeric field, or NaN when it is missing or null (an unknown lag is not 0). */
function number (message: unknown, key: string): number {
  if (typeof message !== 'object' || message === null) return NaN
  const value = (message as Record<string, unknown>)[key]
  return typeof value === 'number' ? value : NaN
}

/**
 * Exports the other @highload packages' diagnostics channels as metrics. Families start empty
 * and render nothing, so series appear only for channels that publish.
 */
export class SuiteEvents {
  readonly families: readonly Family[]
  private readonly subscriptions: Array<[string, Handler]> = []
  private shutdownPhase = ''

  constructor (maxSeries: number) {
    const breakerState = new Family('highload_breaker_state', 'Circuit breaker state: 1 for the current state, 0 for states it left.', 'gauge', ['breaker', 'key', 'state'], maxSeries)
    const breakerTransitions = new Family('highload_breaker_transitions_total', 'Circuit breaker state transitions.', 'counter', ['breaker', 'from', 'to'], maxSeries)
    const breakerCalls = new Family('highload_breaker_calls_total', 'Calls through circuit breakers by outcome.', 'counter', ['breaker', 'outcome'], maxSeries)
    const healthUp = new Family('highload_health_up', 'Health of probes and checks: 1 pass, 0 fail or unknown.', 'gauge', ['scope', 'name'], maxSeries)
    const healthTransitions = new Family('highload_health_transitions_total', 'Health probe and check transitions.', 'counter', ['scope', 'name', 'to'], maxSeries)
    const shutdownPhase = new Family('highload_shutdown_phase', 'Graceful shutdown phase: 1 for the current phase, 0 for phases already left.', 'gauge', ['phase'], maxSeries)
    const cacheLookups = new Family('highload_cache_lookups_total', 'Cache lookups by result.', 'counter', ['cache', 'tier', 'result'], maxSeries)
    const cacheInvalidations = new Family('highload_cache_invalidations_total', 'Cache invalidations by kind, made here (local) or received from another instance (bus).', 'counter', ['cache', 'kind', 'source'], maxSeries)
    const cacheCollapsed = new Family('highload_cache_collapsed_total', 'Cache callers that joined a load already running for their key.', 'counter', ['cache'], maxSeries)
    const cacheErrors = new Family('highload_cache_errors_total', 'Failed cache operations by tier (l2, bus, loader), operation and error code.', 'counter', ['cache', 'tier', 'op', 'code'], maxSeries)
    const replicaRouting = new Family('highload_replicas_routed_total', 'Query attempts routed to the primary or a replica, by node and reason.', 'counter', ['target', 'node', 'reason'], maxSeries)
    const replicaState = new Family('highload_replicas_node_state', 'Database node state: 1 for the current state, 0 for states it left.', 'gauge', ['node', 'state'], maxSeries)
    const replicaLagSeconds = new Family('highload_replicas_lag_seconds', 'Replica replay lag in time, as last measured (NaN: unknown).', 'gauge', ['node'], maxSeries)
    const replicaLagBytes = new Family('highload_replicas_lag_bytes', 'Replica replay lag in WAL bytes, as last measured (NaN: unknown).', 'gauge', ['node'], maxSeries)
    const replicaRetries = new Family('highload_replicas_retries_total', 'Reads retried on another node, by cause.', 'counter', ['node', 'cause'], maxSeries)
    const replicaSlow = new Family('highload_replicas_slow_queries_total', 'Queries slower than slowQueryMs.', 'counter', ['node'], maxSeries)
    this.families = [
      breakerState, breakerTransitions, breakerCalls, healthUp, healthTransitions, shutdownPhase,
      cacheLookups, cacheInvalidations, cacheCollapsed, cacheErrors,
      replicaRouting, replicaState, replicaLagSeconds, replicaLagBytes, replicaRetries, replicaSlow
    ]

    this.on('highload:breaker:state', (m) => {
      const breaker = field(m, 'name')
      const key = field(m, 'key')
      const from = field(m, 'from')
      const to = field(m, 'to')
      if (from !== '') breakerState.set([breaker, key, from], 0)
      breakerState.set([breaker, key, to], 1)
      breakerTransitions.inc([breaker, from, to])
    })
    this.on('highload:breaker:call', (m) => breakerCalls.inc([field(m, 'name'), field(m, 'outcome')]))
    this.on('highload:health:transition', (m) => {
      const scope = field(m, 'scope')
      const name = field(m, 'name')
      const to = field(m, 'to')
      healthUp.set([scope, name], to === 'pass' ? 1 : 0)
      healthTransitions.inc([scope, name, to])
    })
    this.on('highload:shutdown:phase', (m) => {
      const phase = field(m, 'phase')
      if (this.shutdownPhase !== '' && this.shutdownPhase !== phase) shutdownPhase.set([this.shutdownPhase], 0)
      this.shutdownPhase = phase
      shutdownPhase.set([phase], 1)
    })
    for (const result of ['hit', 'miss', 'stale']) {
      this.on(`highload:cache:${result}`, (m) => cacheLookups.inc([field(m, 'name'), field(m, 'tier'), result]))
    }
    this.on('highload:cache:invalidate', (m) => cacheInvalidations.inc([field(m, 'name'), field(m, 'kind'), field(m, 'source')]))
    this.on('highload:cache:collapsed', (m) => cacheCollapsed.inc([field(m, 'name')]))
    this.on('highload:cache:error', (m) => cacheErrors.inc([field(m, 'name'), field(m, 'tier'), field(m, 'op'), field(m, 'code')]))
    this.on('highload:replicas:route', (m) => replicaRouting.inc([field(m, 'target'), field(m, 'node'), field(m, 'reason')]))
    this.on('highload:replicas:node', (m) => {
      const node = field(m, 'node')
      const from = field(m, 'from')
      if (from !== '') replicaState.set([node, from], 0)
      replicaState.set([node, field(m, 'to')], 1)
    })
    this.on('highload:replicas:lag', (m) => {
      const node = field(m, 'node')
      const ms = number(m, 'lagMs')
      replicaLagSeconds.set([node], ms / 1000)
      replicaLagBytes.set([node], number(m, 'lagBytes'))
    })
    this.on('highload:replicas:retry', (m) => replicaRetries.inc([field(m, 'node'), field(m, 'cause')]))
    this.on('highload:replicas:slow-query', (m) => replicaSlow.inc([field(m, 'node')]))
  }

  private on (name: string, handler: (message: unknown) => void): void {
    subscribe(name, handler)
    this.subscriptions.push([name, handler])
  }

  /** Removes every subscription (called from onClose). */
  close (): void {
    for (const [name, handler] of this.subscriptions) unsubscribe(name, handler)
    this.subscriptions.length = 0
  }
}

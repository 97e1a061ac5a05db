import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import { Family } from './family.js'

type Handler = (message: unknown, name: string | symbol) => void

function field (message: unknown, key: string): string {
  if (typeof message !== 'object' || message === null) return ''
  const value = (message as Record<string, unknown>)[key]
  return typeof value === 'string' ? value : ''
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
    const cacheInvalidations = new Family('highload_cache_invalidations_total', 'Cache invalidations.', 'counter', ['cache'], maxSeries)
    const replicaRouting = new Family('highload_replicas_routed_total', 'Queries routed to the primary or a replica.', 'counter', ['target', 'reason'], maxSeries)
    this.families = [breakerState, breakerTransitions, breakerCalls, healthUp, healthTransitions, shutdownPhase, cacheLookups, cacheInvalidations, replicaRouting]

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
    this.on('highload:cache:invalidate', (m) => cacheInvalidations.inc([field(m, 'name')]))
    this.on('highload:replicas:route', (m) => replicaRouting.inc([field(m, 'target'), field(m, 'reason')]))
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

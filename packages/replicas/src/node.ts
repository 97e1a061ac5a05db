import type { FastifyBaseLogger } from 'fastify'
import type { Pool, QueryResult } from 'pg'
import { createPolicy, type Policy, type StateChangeEvent } from '@highload/breaker/core'
import { nodeChannel, slowQueryChannel, type NodeState } from './channels.js'
import { isConnectionError } from './failures.js'
import type { ReplicasParams } from './options.js'

/** What a node needs from the rest of the plugin. */
export interface NodeContext {
  readonly params: ReplicasParams
  readonly log: FastifyBaseLogger
  /** The statement's fingerprint, for slow-query events. */
  fingerprint (sql: string): string
}

/** A PostgreSQL node: its pool, its breaker, its lag as last measured, its load. */
export class DbNode {
  readonly name: string
  readonly role: 'primary' | 'replica'
  readonly weight: number
  readonly maxLagMs: number
  readonly maxLagBytes: number
  readonly policy: Policy
  readonly #ctx: NodeContext
  pool!: Pool
  /** Last measured replay LSN (replicas), or null when unknown. */
  replayLsn: bigint | null = null
  lagMs: number | null = null
  lagBytes: number | null = null
  lagging = false
  promoted = false
  /** When the node was last readmitted (slow start); -Infinity: never ejected. */
  readmittedAt = -Infinity
  state: NodeState = 'up'

  constructor (name: string, role: 'primary' | 'replica', weight: number, maxLagMs: number, maxLagBytes: number, ctx: NodeContext) {
    this.name = name
    this.role = role
    this.weight = weight
    this.maxLagMs = maxLagMs
    this.maxLagBytes = maxLagBytes
    this.#ctx = ctx
    this.policy = createPolicy({
      name: `replicas.${name}`,
      breaker: { ...ctx.params.breaker, halfOpenCalls: 1 },
      // Only the node's own failures count: a bad statement says nothing about the node.
      classifyError: (err) => isConnectionError(err) ? 'failure' : 'ignore',
      onStateChange: (event) => this.#onBreaker(event)
    })
  }

  /** Whether the node may take a read now. */
  get eligible (): boolean {
    return !this.promoted && !this.lagging && this.policy.state === 'closed'
  }

  /** The breaker refuses calls (open, or half-open: only the poller's probe goes through). */
  get down (): boolean {
    return this.policy.state !== 'closed'
  }

  /** The weight used for selection: ramps from 10 % to 100 % over `slowStartMs` after readmission. */
  effectiveWeight (now: number): number {
    const slowStartMs = this.#ctx.params.slowStartMs
    const since = now - this.readmittedAt
    if (since >= slowStartMs) return this.weight
    return this.weight * Math.max(0.1, since / slowStartMs)
  }

  /** Calls running on this node now (statements and connects): its breaker's own count. */
  get inFlight (): number {
    return this.policy.inFlight
  }

  /** Runs one statement through the node's breaker. */
  run (sql: string, params: readonly unknown[] | undefined): Promise<QueryResult> {
    // Timed only when someone listens for slow queries: the event is the timing's only output.
    if (slowQueryChannel.hasSubscribers) return this.#runTimed(sql, params)
    return this.policy.execute(() => this.pool.query(sql, params as unknown[] | undefined))
  }

  async #runTimed (sql: string, params: readonly unknown[] | undefined): Promise<QueryResult> {
    const start = performance.now()
    try {
      return await this.policy.execute(() => this.pool.query(sql, params as unknown[] | undefined))
    } finally {
      const durationMs = performance.now() - start
      if (durationMs >= this.#ctx.params.slowQueryMs) {
        slowQueryChannel.publish({ node: this.name, fingerprint: this.#ctx.fingerprint(sql), durationMs })
      }
    }
  }

  /** Recomputes the state from the breaker, the lag and the slow start; publishes a change. */
  refresh (reason: string, now = Date.now()): void {
    let next: NodeState
    if (this.promoted) next = 'promoted'
    else if (this.down) next = 'down'
    else if (this.lagging) next = 'lagging'
    else if (this.role === 'replica' && now - this.readmittedAt < this.#ctx.params.slowStartMs) next = 'warming'
    else next = 'up'
    if (next === this.state) return
    const from = this.state
    this.state = next
    const level = next === 'up' || next === 'warming' ? 'info' : 'warn'
    this.#ctx.log[level]({ node: this.name, from, to: next, reason }, `@highload/replicas: ${this.name} is ${next}`)
    if (nodeChannel.hasSubscribers) nodeChannel.publish({ node: this.name, role: this.role, from, to: next, reason })
  }

  /** Readmitted (breaker closed, or back under half the lag limits): the weight ramps up again. */
  readmit (now: number): void {
    this.readmittedAt = now
  }

  #onBreaker (event: StateChangeEvent): void {
    if (event.to === 'closed') this.readmit(event.at)
    this.refresh(`breaker-${event.reason}`, event.at)
  }
}

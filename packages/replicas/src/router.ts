import { withRetryAfter } from '@highload/breaker/core'
import type { FastifyBaseLogger } from 'fastify'
import type { PoolClient, QueryResult } from 'pg'
import { retryChannel, routeChannel } from './channels.js'
import { Classifier } from './classifier.js'
import {
  ReplicasClosedError, ReplicasPrimaryUnavailableError, ReplicasUnavailableError
} from './errors.js'
import { isConnectionError, sqlState } from './failures.js'
import { measurePrimary, measureReplica, probe, VOLATILITY_SQL } from './lag.js'
import { formatLsn, parseLsn, requiredReplay } from './lsn.js'
import { DbNode } from './node.js'
import type { ReplicasParams } from './options.js'
import { p2c, roundRobin, type Selector } from './select.js'

export type Consistency = 'session' | 'eventual' | 'strong'

/** How one read is to be routed. */
export interface ReadPlan {
  /** The replicas it may use, in no order; empty: the primary. */
  readonly candidates: readonly DbNode[]
  /** Why the read goes where it goes. */
  readonly reason: string
  /** The primary is required (strong, the request wrote, or the token is not replayed): its failure is PRIMARY_UNAVAILABLE. */
  readonly primaryRequired: boolean
  /** Token to wait for on the best replica before the primary, or null. */
  readonly wait: { readonly token: bigint, readonly best: DbNode } | null
}

const STRONG: ReadPlan = Object.freeze({ candidates: [], reason: 'strong', primaryRequired: true, wait: null })
const REQUEST_WROTE: ReadPlan = Object.freeze({ candidates: [], reason: 'request-wrote', primaryRequired: true, wait: null })

const RETRY_AFTER_MS = 1000
const WAIT_STEP_MS = 5
const REPLAY_SQL = 'SELECT pg_last_wal_replay_lsn()::text AS lsn'

function sleep (ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

/** Why a failed read may be retried elsewhere, or null when it may not. */
function retryCause (err: unknown): 'connection' | 'conflict' | 'misroute' | null {
  if (isConnectionError(err)) return 'connection'
  const state = sqlState(err)
  if (state === '40001') return 'conflict'
  if (state === '25006') return 'misroute'
  return null
}

/** The nodes, their pollers and the routing rules, shared by `fastify.db` and every `request.db`. */
export class Router {
  readonly params: ReplicasParams
  readonly log: FastifyBaseLogger
  readonly classifier: Classifier
  readonly primary: DbNode
  readonly replicas: readonly DbNode[]
  readonly nodes: readonly DbNode[]
  readonly #select: Selector
  /** The plan of a plain read while every replica is eligible (the common case): no allocation per read. */
  readonly #everyReplica: ReadPlan
  closed = false
  /** Fallback reads running on the primary now. */
  #primaryReads = 0
  #timer: NodeJS.Timeout | undefined = undefined
  #polling: Promise<void> | null = null
  #idle: (() => void) | null = null
  #inFlight = 0

  constructor (params: ReplicasParams, log: FastifyBaseLogger) {
    this.params = params
    this.log = log
    this.classifier = new Classifier(params.classifier)
    const ctx = { params, log, fingerprint: (sql: string) => this.classifier.fingerprint(sql) }
    this.primary = new DbNode('primary', 'primary', 1, 0, 0, ctx)
    this.replicas = params.replicas.map((r) => new DbNode(r.name, 'replica', r.weight, r.maxLagMs, r.maxLagBytes, ctx))
    this.nodes = [this.primary, ...this.replicas]
    this.#select = params.selection === 'p2c' ? p2c : roundRobin()
    this.#everyReplica = Object.freeze({
      candidates: this.replicas,
      reason: this.replicas.length === 0 ? 'no-replica' : 'read',
      primaryRequired: false,
      wait: null
    })
  }

  // ---- lifecycle -------------------------------------------------------------------------

  /** First measurement (so reads start on known replicas), then one every `pollIntervalMs`. */
  async start (): Promise<void> {
    await this.poll()
    this.#schedule()
  }

  #schedule (): void {
    // ±10 % so that a fleet of instances does not probe in step.
    const delay = this.params.lag.pollIntervalMs * (0.9 + Math.random() * 0.2)
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#polling = this.poll().finally(() => {
        this.#polling = null
        this.#schedule()
      })
    }, delay).unref()
  }

  /** Measures every node once (primary first: its LSN is the replicas' reference). */
  async poll (): Promise<void> {
    const timeoutMs = this.params.lag.probeTimeoutMs
    const primaryLsn = await measurePrimary(this.primary, timeoutMs)
    if (primaryLsn !== null && !this.classifier.loaded) await this.#loadVolatility()
    await Promise.all(this.replicas.map((node) => measureReplica(node, primaryLsn, timeoutMs)))
  }

  async #loadVolatility (): Promise<void> {
    try {
      const result = await this.primary.pool.query(VOLATILITY_SQL)
      this.classifier.setVolatility(result.rows as Array<{ schema: string, name: string, safe: boolean }>)
    } catch (err) {
      this.log.warn({ err }, '@highload/replicas: could not read function volatility from pg_proc; calls to functions go to the primary')
    }
  }

  /** Stops the pollers, then waits for queries in flight. */
  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.#timer)
    await this.#polling
    // A poll that was running re-armed the timer as it ended (microtasks only since: it has not fired).
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#inFlight > 0) await new Promise<void>((resolve) => { this.#idle = resolve })
  }

  /** Counts a call in flight (for close); returns its end. */
  enter (): void {
    if (this.closed) throw new ReplicasClosedError()
    this.#inFlight++
  }

  leave (): void {
    this.#inFlight--
    if (this.#inFlight === 0 && this.#idle !== null) this.#idle()
  }

  // ---- routing ---------------------------------------------------------------------------

  /** The replicas a read may use given a token and a consistency, without I/O. */
  plan (consistency: Consistency, wrote: boolean, token: bigint | null): ReadPlan {
    if (consistency === 'strong') return STRONG
    if (wrote && consistency === 'session') return REQUEST_WROTE
    const eligible = this.#eligible()
    if (consistency === 'eventual' || token === null) {
      if (eligible === this.replicas) return this.#everyReplica
      return { candidates: eligible, reason: eligible.length === 0 ? 'no-replica' : 'read', primaryRequired: false, wait: null }
    }
    const needed = requiredReplay(token)
    const caughtUp = eligible.filter((n) => n.replayLsn !== null && n.replayLsn >= needed)
    if (caughtUp.length > 0) return { candidates: caughtUp, reason: 'token-replayed', primaryRequired: false, wait: null }
    let best: DbNode | null = null
    for (const n of eligible) if (best === null || (n.replayLsn ?? -1n) > (best.replayLsn ?? -1n)) best = n
    return { candidates: [], reason: 'token-not-replayed', primaryRequired: true, wait: best === null ? null : { token: needed, best } }
  }

  /** The eligible replicas: `this.replicas` itself when all are (no allocation), else a new list. */
  #eligible (): readonly DbNode[] {
    const replicas = this.replicas
    for (let i = 0; i < replicas.length; i++) {
      if (!(replicas[i] as DbNode).eligible) return replicas.filter((n) => n.eligible)
    }
    return replicas
  }

  /** Waits up to `waitMs` for `best` to replay `token`, asking it directly (a statement before the read). */
  async waitFor (best: DbNode, token: bigint): Promise<boolean> {
    const deadline = Date.now() + this.params.consistency.waitMs
    while (true) {
      try {
        const row = (await probe(best, REPLAY_SQL, this.params.lag.probeTimeoutMs)).rows[0] as { lsn: string | null }
        const lsn = parseLsn(String(row.lsn))
        if (lsn !== null && (best.replayLsn === null || lsn > best.replayLsn)) best.replayLsn = lsn
        if (lsn !== null && lsn >= token) return true
      } catch {
        return false
      }
      if (Date.now() + WAIT_STEP_MS > deadline) return false
      await sleep(WAIT_STEP_MS)
    }
  }

  /**
   * Runs `work` on a replica of the plan, retrying on another node (not yet tried) after a
   * connection failure, a recovery conflict (40001) or a misroute (25006), then on the primary
   * within the fallback budget.
   */
  async read<T> (plan: ReadPlan, sql: string | null, work: (node: DbNode) => Promise<T>): Promise<T> {
    this.enter()
    try {
      let candidates = plan.candidates
      let reason = plan.reason
      let primaryRequired = plan.primaryRequired
      if (plan.wait !== null && await this.waitFor(plan.wait.best, plan.wait.token)) {
        candidates = [plan.wait.best]
        reason = 'token-waited'
        primaryRequired = false
      }
      // Allocated on the first failure only: most reads succeed on the first node.
      let tried: Set<DbNode> | null = null
      let attempt = 1
      let last: unknown = null
      while (true) {
        const open = tried === null ? candidates : candidates.filter((n) => !(tried as Set<DbNode>).has(n) && n.eligible)
        if (open.length === 0) break
        const node = open.length === 1 ? open[0] as DbNode : this.#select(open, Date.now())
        publishRoute('replica', node.name, reason)
        try {
          return await work(node)
        } catch (err) {
          const cause = retryCause(err)
          if (cause === null) throw err
          last = err
          tried ??= new Set()
          tried.add(node)
          if (retryChannel.hasSubscribers) retryChannel.publish({ node: node.name, cause, attempt })
          if (cause === 'misroute' && sql !== null) {
            this.classifier.flip(sql)
            this.log.warn({ node: node.name, fingerprint: this.classifier.fingerprint(sql) },
              '@highload/replicas: a replica refused a statement classified as a read (25006); it goes to the primary from now on')
          }
          if (++attempt > this.params.maxAttempts) throw this.#unavailable('every attempt failed', err)
          reason = `retry-${cause}`
          if (cause === 'misroute') break
        }
      }
      return await this.#primaryRead(primaryRequired, reason, last, work)
    } finally {
      this.leave()
    }
  }

  async #primaryRead<T> (required: boolean, reason: string, last: unknown, work: (node: DbNode) => Promise<T>): Promise<T> {
    const primary = this.primary
    if (primary.down) throw required ? this.primaryUnavailable(last) : this.#unavailable('no replica and the primary is down', last)
    // Reads the primary must serve (strong, after a write) are not fallbacks and use no budget.
    if (!required && this.#primaryReads >= this.params.maxPrimaryReads) {
      throw this.#unavailable('no replica and the primary read budget is spent', last)
    }
    const budgeted = !required
    if (budgeted) this.#primaryReads++
    publishRoute('primary', 'primary', reason)
    let result: T
    try {
      result = await work(primary)
    } catch (err) {
      if (budgeted) this.#primaryReads--
      if (!isConnectionError(err)) throw err
      throw required ? this.primaryUnavailable(err) : this.#unavailable('no replica and the primary failed', err)
    }
    if (budgeted) this.#primaryReads--
    return result
  }

  /** A statement on the primary (writes, explicit primary queries): never retried. */
  async onPrimary<T> (reason: string, work: (node: DbNode) => Promise<T>): Promise<T> {
    if (this.primary.down) throw this.primaryUnavailable(null)
    publishRoute('primary', 'primary', reason)
    try {
      return await work(this.primary)
    } catch (err) {
      if (isConnectionError(err)) throw this.primaryUnavailable(err)
      throw err
    }
  }

  /** A client of `node` through its breaker (for transactions). */
  async connect (node: DbNode): Promise<PoolClient> {
    return await node.policy.execute(() => node.pool.connect())
  }

  /** The primary's insert LSN now: never behind a commit, even with `synchronous_commit = off`. */
  async currentLsn (): Promise<bigint> {
    const result: QueryResult = await this.onPrimary('lsn', (node) => node.run('SELECT pg_current_wal_insert_lsn()::text AS lsn', undefined))
    return parseLsn((result.rows[0] as { lsn: string }).lsn) as bigint
  }

  primaryUnavailable (cause: unknown): Error {
    const retryAfterMs = Math.max(RETRY_AFTER_MS, this.primary.policy.snapshot().retryAfterMs)
    return withRetryAfter(new ReplicasPrimaryUnavailableError({ cause }), retryAfterMs)
  }

  #unavailable (why: string, cause: unknown): Error {
    return withRetryAfter(new ReplicasUnavailableError(why, { cause }), RETRY_AFTER_MS)
  }

  /** Per node, primary first. */
  status (): NodeStatus[] {
    return this.nodes.map((n) => ({
      name: n.name,
      role: n.role,
      state: n.state,
      lagMs: n.lagMs,
      lagBytes: n.lagBytes,
      replayLsn: n.replayLsn === null ? null : formatLsn(n.replayLsn),
      inFlight: n.inFlight,
      breaker: n.policy.state,
      pool: { totalCount: n.pool.totalCount, idleCount: n.pool.idleCount, waitingCount: n.pool.waitingCount }
    }))
  }
}

/** One node in `status()`. */
export interface NodeStatus {
  name: string
  role: 'primary' | 'replica'
  /** `up`, `warming` (readmitted, weight ramping), `lagging`, `down` (breaker open) or `promoted`. */
  state: DbNode['state']
  /** Replication lag in ms (replicas; null when unknown or for the primary). */
  lagMs: number | null
  lagBytes: number | null
  /** Last measured replay LSN (replicas), as PostgreSQL prints it. */
  replayLsn: string | null
  inFlight: number
  /** The node's breaker state (`@highload/breaker/core`). */
  breaker: string
  pool: { totalCount: number, idleCount: number, waitingCount: number }
}

function publishRoute (target: 'primary' | 'replica', node: string, reason: string): void {
  if (routeChannel.hasSubscribers) routeChannel.publish({ target, node, reason })
}

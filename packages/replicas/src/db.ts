import type { PoolClient, QueryResult, QueryResultRow } from 'pg'
import { ReplicasInvalidQueryError, ReplicasNotAReadError } from './errors.js'
import { isConnectionError } from './failures.js'
import { formatLsn, parseLsn } from './lsn.js'
import type { DbNode } from './node.js'
import type { Consistency, NodeStatus, ReadPlan, Router } from './router.js'

/** Where `query()` sends a statement: the primary, a replica (as `read()`), or `auto` (classify). */
export type Target = 'primary' | 'replica' | 'auto'

export interface QueryOptions {
  /** Overrides the route's `config.db.target` and `defaultTarget`. */
  target?: Target
}

export interface ReadOptions {
  /** Overrides the route's and the plugin's consistency. */
  consistency?: Consistency
  /** An LSN token (as `lsn()` returns) the replica must have replayed. */
  after?: string
}

export type Isolation = 'read committed' | 'repeatable read' | 'serializable'

export interface TransactionOptions {
  /** @default 'read committed' */
  isolation?: Isolation
}

/** The client a transaction callback gets: one pinned connection. */
export interface Tx {
  query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>>
}

/** Where a statement would go, and why (`explainRoute()`). */
export interface RouteExplanation {
  target: 'primary' | 'replica'
  reason: string
}

/** What a request carries: its token, its route settings, whether it wrote. */
export interface Session {
  /** The client's LSN token, or null. */
  token: bigint | null
  wrote: boolean
  readonly consistency: Consistency | undefined
  readonly target: 'primary' | 'auto' | undefined
}

const ISOLATIONS: ReadonlySet<string> = new Set(['read committed', 'repeatable read', 'serializable'])
const TARGETS: ReadonlySet<string> = new Set(['primary', 'replica', 'auto'])
const CONSISTENCIES: ReadonlySet<string> = new Set(['session', 'eventual', 'strong'])

function check (sql: unknown, params: unknown): void {
  if (typeof sql !== 'string' || sql.length === 0) throw new ReplicasInvalidQueryError('the SQL must be a non-empty string')
  if (params !== undefined && !Array.isArray(params)) throw new ReplicasInvalidQueryError('the parameters must be an array')
}

/**
 * The routing API of `fastify.db` (no session) and `request.db` (the request's session). Every
 * method checks its arguments before any I/O.
 */
export class HighloadDb {
  readonly #r: Router
  readonly #s: Session | null

  constructor (router: Router, session: Session | null) {
    this.#r = router
    this.#s = session
  }

  /** Routed by `opts.target`, the route's `config.db.target`, or `defaultTarget`. */
  async query<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[], opts?: QueryOptions): Promise<QueryResult<R>> {
    check(sql, params)
    const target = this.#target(opts)
    if (target === 'replica') return await this.read<R>(sql, params)
    const reason = this.#writeReason(sql, target)
    if (reason === null) return await this.#read<R>(sql, params, undefined, null, 'read-only')
    return await this.#primary<R>(sql, params, reason)
  }

  /** A read: on a healthy, caught-up replica, else the primary. A statement proven to write throws `HL_REPLICAS_NOT_A_READ`. */
  async read<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[], opts?: ReadOptions): Promise<QueryResult<R>> {
    check(sql, params)
    const consistency = opts?.consistency
    if (consistency !== undefined && !CONSISTENCIES.has(consistency)) throw new ReplicasInvalidQueryError('consistency must be session, eventual or strong')
    const after = opts?.after === undefined ? null : parseLsn(opts.after)
    if (after === null && opts?.after !== undefined) throw new ReplicasInvalidQueryError('after must be an LSN token such as 16/B374D848')
    const d = this.#r.classifier.classify(sql)
    if (d.kind === 'write') throw new ReplicasNotAReadError(d.reason)
    // Not proven read-only (a volatile function, a parse error, ...): the primary, but as a read.
    if (d.kind === 'unknown') return await this.#read<R>(sql, params, 'strong', after, d.reason)
    return await this.#read<R>(sql, params, consistency, after, 'read')
  }

  /** A write: on the primary, never parsed, never retried. */
  async write<R extends QueryResultRow = QueryResultRow>(sql: string, params?: readonly unknown[]): Promise<QueryResult<R>> {
    check(sql, params)
    return await this.#primary<R>(sql, params, 'write')
  }

  /** `fn(tx)` in one transaction on one primary client; a throw rolls back and passes through. */
  async transaction<T>(fn: (tx: Tx) => Promise<T>, opts?: TransactionOptions): Promise<T> {
    const isolation = opts?.isolation ?? 'read committed'
    if (typeof fn !== 'function') throw new ReplicasInvalidQueryError('transaction() needs a function')
    if (!ISOLATIONS.has(isolation)) throw new ReplicasInvalidQueryError('isolation must be read committed, repeatable read or serializable')
    const r = this.#r
    r.enter()
    try {
      if (this.#s !== null) this.#s.wrote = true
      const client = await r.onPrimary('transaction', (node) => r.connect(node))
      return await this.#inTransaction(client, `BEGIN ISOLATION LEVEL ${isolation.toUpperCase()}`, fn)
    } finally {
      r.leave()
    }
  }

  /** `fn(tx)` in a `REPEATABLE READ READ ONLY` transaction on one eligible replica (else the primary). */
  async readTransaction<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    if (typeof fn !== 'function') throw new ReplicasInvalidQueryError('readTransaction() needs a function')
    const r = this.#r
    r.enter()
    try {
      const client = await r.read(this.#plan(undefined, null), null, (node) => r.connect(node))
      return await this.#inTransaction(client, 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn)
    } finally {
      r.leave()
    }
  }

  /** The primary's WAL insert position now, as a token for `read(sql, params, { after })`. */
  async lsn (): Promise<string> {
    const r = this.#r
    r.enter()
    try {
      return formatLsn(await r.currentLsn())
    } finally {
      r.leave()
    }
  }

  /** Where `query()` would send `sql` now, and why; no I/O. */
  explainRoute (sql: string, params?: readonly unknown[], opts?: QueryOptions): RouteExplanation {
    check(sql, params)
    const target = this.#target(opts)
    if (target === 'replica') {
      const d = this.#r.classifier.classify(sql)
      if (d.kind !== 'read') return { target: 'primary', reason: d.reason }
      return this.#explainRead()
    }
    const reason = this.#writeReason(sql, target)
    return reason === null ? this.#explainRead() : { target: 'primary', reason }
  }

  /** Per node, primary first. */
  status (): NodeStatus[] {
    return this.#r.status()
  }

  #explainRead (): RouteExplanation {
    const s = this.#s
    const plan = this.#r.plan(s?.consistency ?? this.#r.params.consistency.mode, s?.wrote ?? false, s?.token ?? null)
    return { target: plan.candidates.length > 0 ? 'replica' : 'primary', reason: plan.reason }
  }

  #target (opts: QueryOptions | undefined): Target {
    const target = opts?.target
    if (target !== undefined) {
      if (!TARGETS.has(target)) throw new ReplicasInvalidQueryError('target must be primary, replica or auto')
      return target
    }
    return this.#s?.target ?? this.#r.params.defaultTarget
  }

  /** null: a proven read under `auto`; else why the statement goes to the primary. */
  #writeReason (sql: string, target: 'primary' | 'auto'): string | null {
    if (target === 'primary') return 'primary'
    const d = this.#r.classifier.classify(sql)
    return d.kind === 'read' ? null : d.reason
  }

  #plan (consistency: Consistency | undefined, after: bigint | null): ReadPlan {
    const s = this.#s
    const mode = consistency ?? s?.consistency ?? this.#r.params.consistency.mode
    let token = s?.token ?? null
    if (after !== null && (token === null || after > token)) token = after
    return this.#r.plan(mode, s?.wrote ?? false, token)
  }

  // Not async: one promise layer less on every read (the router counts the call in flight).
  #read<R extends QueryResultRow>(sql: string, params: readonly unknown[] | undefined, consistency: Consistency | undefined, after: bigint | null, reason: string): Promise<QueryResult<R>> {
    const plan = this.#plan(consistency, after)
    return this.#r.read(plan.reason === 'strong' ? { ...plan, reason } : plan, sql, (node: DbNode) => node.run(sql, params)) as Promise<QueryResult<R>>
  }

  async #primary<R extends QueryResultRow>(sql: string, params: readonly unknown[] | undefined, reason: string): Promise<QueryResult<R>> {
    const r = this.#r
    r.enter()
    try {
      if (this.#s !== null) this.#s.wrote = true
      return await r.onPrimary(reason, (node) => node.run(sql, params)) as QueryResult<R>
    } finally {
      r.leave()
    }
  }

  async #inTransaction<T>(client: PoolClient, begin: string, fn: (tx: Tx) => Promise<T>): Promise<T> {
    let broken: Error | undefined
    // A checked-out client has no 'error' listener of the pool's: a connection lost between two
    // statements would crash the process. The next statement fails instead.
    const onError = (err: Error): void => { broken = err }
    client.on('error', onError)
    const tx: Tx = {
      query: async (sql, params) => {
        check(sql, params)
        return await client.query(sql, params as unknown[] | undefined)
      }
    }
    const release = (): void => {
      client.off('error', onError)
      client.release(broken)
    }
    try {
      await client.query(begin)
      const result = await fn(tx)
      await client.query('COMMIT')
      release()
      return result
    } catch (err) {
      if (isConnectionError(err)) broken = err as Error
      else await client.query('ROLLBACK').catch((rollbackErr: Error) => { broken = rollbackErr })
      release()
      throw err
    }
  }
}

import { createHash } from 'node:crypto'
import { fingerprintSync, loadModule, parseSync } from 'libpg-query'
import { LRUCache } from 'lru-cache'

/** `read`: proven read-only; `write`: proven to write or lock; `unknown`: not proven either way. */
export type Kind = 'read' | 'write' | 'unknown'

/** Why a statement was classified the way it was. */
export type ClassifyReason =
  | 'read-only' | 'not-select' | 'locking-clause' | 'select-into' | 'data-modifying-cte'
  | 'denied-function' | 'volatile-function' | 'unknown-function' | 'multiple-statements'
  | 'too-long' | 'parse-error' | 'empty' | 'misrouted'

export interface Decision {
  readonly kind: Kind
  readonly reason: ClassifyReason
}

export interface ClassifierParams {
  readonly readOnlyFunctions: readonly string[]
  readonly writeFunctions: readonly string[]
  readonly cacheSize: number
  readonly maxParseBytes: number
}

/** Functions that write, lock, or change session state: a statement calling one goes to the primary. */
const DENIED = new Set(['nextval', 'setval', 'currval', 'lastval', 'set_config', 'txid_current', 'pg_current_xact_id', 'pg_notify'])
const DENIED_PREFIXES = ['pg_advisory', 'pg_try_advisory', 'lo_', 'dblink']
/** VOLATILE in pg_proc, yet harmless on a standby. */
const BUILT_IN_READ_ONLY = ['pg_is_in_recovery', 'pg_last_wal_replay_lsn', 'pg_last_xact_replay_timestamp', 'random', 'clock_timestamp', 'gen_random_uuid']
/** Statements that do not write but are not reads either: session state, cursors, SHOW, EXPLAIN, COPY TO. */
const NOT_WRITES = new Set([
  'VariableShowStmt', 'ExplainStmt', 'VariableSetStmt', 'TransactionStmt', 'PrepareStmt', 'ExecuteStmt',
  'DeallocateStmt', 'DeclareCursorStmt', 'FetchStmt', 'ClosePortalStmt', 'DiscardStmt', 'ListenStmt',
  'UnlistenStmt', 'LoadStmt', 'CopyStmt'
])
const DML = new Set(['InsertStmt', 'UpdateStmt', 'DeleteStmt', 'MergeStmt'])

const READ: Decision = Object.freeze({ kind: 'read', reason: 'read-only' })
const decisions = new Map<string, Decision>()
function decision (kind: Kind, reason: ClassifyReason): Decision {
  const key = kind + reason
  let d = decisions.get(key)
  if (d === undefined) {
    d = Object.freeze({ kind, reason })
    decisions.set(key, d)
  }
  return d
}

type Node = Record<string, unknown>

/** The function's name parts from a FuncCall's `funcname` list. */
function functionName (call: Node): string[] {
  return (call.funcname as Array<{ String: { sval: string } }>).map((part) => part.String.sval)
}

/**
 * Decides, without I/O, whether a statement may run on a replica. Fails safe: only a single
 * SELECT proven read-only is a read; the rest is a write or unknown, and both go to the primary.
 */
export class Classifier {
  readonly #params: ClassifierParams
  readonly #cache: LRUCache<string, Decision>
  readonly #readOnly: Set<string>
  readonly #writes: Set<string>
  /** Function name (and `schema.name`) → every overload is IMMUTABLE or STABLE; null until loaded. */
  #safe: ReadonlyMap<string, boolean> | null = null

  constructor (params: ClassifierParams) {
    this.#params = params
    this.#cache = new LRUCache({ max: params.cacheSize })
    this.#readOnly = new Set([...BUILT_IN_READ_ONLY, ...params.readOnlyFunctions.map((f) => f.toLowerCase())])
    this.#writes = new Set(params.writeFunctions.map((f) => f.toLowerCase()))
  }

  /** Loads the parser (WASM, about 100 ms); called once, at registration. */
  static load (): Promise<void> {
    return loadModule()
  }

  /** Whether the functions' volatility is known (from the primary's pg_proc). */
  get loaded (): boolean {
    return this.#safe !== null
  }

  /** Sets the functions' volatility from rows of `{ schema, name, safe }`; forgets cached decisions. */
  setVolatility (rows: ReadonlyArray<{ schema: string, name: string, safe: boolean }>): void {
    const safe = new Map<string, boolean>()
    for (const row of rows) {
      safe.set(`${row.schema}.${row.name}`, row.safe)
      safe.set(row.name, row.safe && safe.get(row.name) !== false)
    }
    this.#safe = safe
    this.#cache.clear()
  }

  /** The routing decision for `sql`, cached by its text. */
  classify (sql: string): Decision {
    const cached = this.#cache.get(sql)
    if (cached !== undefined) return cached
    if (Buffer.byteLength(sql) > this.#params.maxParseBytes) return decision('unknown', 'too-long')
    const d = this.#decide(sql)
    this.#cache.set(sql, d)
    return d
  }

  /** A replica refused the statement (25006): it goes to the primary from now on. */
  flip (sql: string): void {
    this.#cache.set(sql, decision('unknown', 'misrouted'))
  }

  /** A stable identifier of the statement's shape (never its text or values). */
  fingerprint (sql: string): string {
    if (Buffer.byteLength(sql) <= this.#params.maxParseBytes) {
      try {
        return fingerprintSync(sql)
      } catch {}
    }
    return createHash('sha256').update(sql).digest('hex').slice(0, 16)
  }

  #decide (sql: string): Decision {
    let stmts: Array<{ stmt: Node }>
    try {
      stmts = (parseSync(sql) as { stmts: Array<{ stmt: Node }> }).stmts
    } catch {
      return decision('unknown', 'parse-error')
    }
    if (stmts.length === 0) return decision('unknown', 'empty')
    let result: Decision = READ
    for (const { stmt } of stmts) {
      const d = this.#statement(stmt)
      if (d.kind === 'write') return d
      if (result.kind === 'read') result = d
    }
    return stmts.length > 1 ? decision('unknown', 'multiple-statements') : result
  }

  #statement (stmt: Node): Decision {
    const [type, body] = Object.entries(stmt)[0] as [string, Node]
    if (type === 'SelectStmt') return this.#walk(body)
    if (type === 'ExplainStmt') {
      const analyze = ((body.options ?? []) as Node[]).some((o) => (o.DefElem as Node).defname === 'analyze')
      const inner = this.#statement(body.query as Node)
      return analyze && inner.kind === 'write' ? inner : decision('unknown', 'not-select')
    }
    if (type === 'CopyStmt' && body.is_from === true) return decision('write', 'not-select')
    return decision(NOT_WRITES.has(type) ? 'unknown' : 'write', 'not-select')
  }

  /** Walks a SELECT's tree: the first proof of a write wins; an unsafe function makes it unknown. */
  #walk (root: Node): Decision {
    let result: Decision = READ
    const stack: unknown[] = [root]
    while (stack.length > 0) {
      const node = stack.pop() as Node | unknown[]
      if (Array.isArray(node)) {
        for (const item of node) stack.push(item)
        continue
      }
      for (const [key, value] of Object.entries(node as Node)) {
        if (DML.has(key)) return decision('write', 'data-modifying-cte')
        if (key === 'lockingClause') return decision('write', 'locking-clause')
        if (key === 'intoClause') return decision('write', 'select-into')
        if (key === 'FuncCall') {
          const d = this.#function(functionName(value as Node))
          if (d.kind === 'write') return d
          if (result.kind === 'read') result = d
        }
        // Only objects and arrays are walked (libpg-query's JSON carries no nulls).
        if (typeof value === 'object') stack.push(value)
      }
    }
    return result
  }

  #function (parts: string[]): Decision {
    const name = parts[parts.length - 1] as string
    const lower = name.toLowerCase()
    const qualified = parts.join('.').toLowerCase()
    if (DENIED.has(lower) || DENIED_PREFIXES.some((p) => lower.startsWith(p)) ||
      this.#writes.has(lower) || this.#writes.has(qualified)) {
      return decision('write', 'denied-function')
    }
    if (this.#readOnly.has(lower) || this.#readOnly.has(qualified)) return READ
    const safe = this.#safe?.get(parts.join('.'))
    if (safe === undefined) return decision('unknown', 'unknown-function')
    return safe ? READ : decision('unknown', 'volatile-function')
  }
}

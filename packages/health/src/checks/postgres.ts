import { HealthInvalidOptionError } from '../errors.js'
import type { HealthCheckOptions, HealthCheckSpec } from '../options.js'

/** The parts of a `pg.Pool` the check uses. */
export interface PostgresPool {
  query(text: string): Promise<unknown>
  readonly totalCount: number
  readonly idleCount: number
  readonly waitingCount: number
}

/** Anything holding a pool, such as `app.pg` (or `app.pg.<name>`) from @fastify/postgres. */
export interface PostgresPoolHolder {
  readonly pool: PostgresPool
}

/** Options of `postgresCheck()`: every check option, plus the name. */
export interface PostgresCheckOptions extends HealthCheckOptions {
  /** @default 'postgres' */
  name?: string
}

/**
 * A `SELECT 1` check through the pool that reports the pool's `totalCount`, `idleCount` and
 * `waitingCount` (sampled as the run starts) under `details`. One query at a time: a hung query is
 * shared by later runs, not repeated.
 */
export function postgresCheck (db: PostgresPool | PostgresPoolHolder, options: PostgresCheckOptions = {}): HealthCheckSpec {
  const pool = db !== null && typeof db === 'object' && 'pool' in db ? db.pool : db
  if (typeof pool?.query !== 'function' || typeof pool.totalCount !== 'number') {
    throw new HealthInvalidOptionError('postgresCheck() needs a pg Pool or an object with a pool (such as app.pg)')
  }
  let pending: Promise<unknown> | null = null
  return {
    componentType: 'datastore',
    ...options,
    name: options.name ?? 'postgres',
    async check () {
      // sampled before the check's own query, so the counts show the application's load only
      const details = { totalCount: pool.totalCount, idleCount: pool.idleCount, waitingCount: pool.waitingCount }
      pending ??= pool.query('SELECT 1').finally(() => { pending = null })
      await pending
      return { details }
    }
  }
}

import { createParser, object, text, type RulesOf } from '@highload/options'
import { HealthInvalidOptionError } from '../errors.js'
import { checkName, checkOptionRules, refuse } from '../options.js'
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
  /** @default 'datastore' */
  componentType?: string
}

/** The options whose defaults are the factory's own (the README's `postgresCheck()` table). */
export const postgresOwnRules = {
  name: checkName('postgres'),
  componentType: text({ default: 'datastore' })
} satisfies RulesOf<Pick<PostgresCheckOptions, 'name' | 'componentType'>>

const parsePostgresOptions = createParser(
  object({ ...checkOptionRules, ...postgresOwnRules } satisfies RulesOf<PostgresCheckOptions>),
  HealthInvalidOptionError
)

/**
 * A `SELECT 1` check through the pool that reports the pool's `totalCount`, `idleCount` and
 * `waitingCount` (sampled as the run starts) under `details`. One query at a time: a hung query is
 * shared by later runs, not repeated.
 */
export function postgresCheck (db: PostgresPool | PostgresPoolHolder, options: PostgresCheckOptions = {}): HealthCheckSpec {
  const pool = db !== null && typeof db === 'object' && 'pool' in db ? db.pool : db
  if (typeof pool?.query !== 'function' || typeof pool.totalCount !== 'number') {
    refuse('postgresCheck(db)', db, 'a pg Pool or an object with a pool (such as app.pg)')
  }
  const o = parsePostgresOptions(options, 'postgresCheck')
  let pending: Promise<unknown> | null = null
  return {
    ...o,
    async check () {
      // sampled before the check's own query, so the counts show the application's load only
      const details = { totalCount: pool.totalCount, idleCount: pool.idleCount, waitingCount: pool.waitingCount }
      pending ??= pool.query('SELECT 1').finally(() => { pending = null })
      await pending
      return { details }
    }
  }
}

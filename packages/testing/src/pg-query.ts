import { setTimeout as sleep } from 'node:timers/promises'
import pg from 'pg'
import { ignore } from './errors.js'
import { HOST } from './ports.js'

/**
 * Runs one statement over a fresh connection as the `postgres` superuser, bounded by `timeoutMs`
 * for connecting and for the query. Used to probe and steer the throwaway servers.
 */
export async function pgQuery<T> (port: number, database: string, sql: string, params: unknown[] = [], timeoutMs = 5000): Promise<T[]> {
  const client = new pg.Client({ host: HOST, port, user: 'postgres', database, connectionTimeoutMillis: timeoutMs, query_timeout: timeoutMs })
  client.on('error', ignore)
  try {
    await client.connect()
    return (await client.query(sql, params)).rows as T[]
  } finally {
    // end() waits for the server's goodbye; a paused server never sends it, so bound the wait.
    await Promise.race([client.end().catch(ignore), sleep(timeoutMs, undefined, { ref: false })])
  }
}

export function quoteIdent (name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

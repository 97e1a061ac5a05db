import Fastify, { type FastifyInstance } from 'fastify'
import { startPostgres, type PostgresCluster } from '@highload/testing'
import type { Test } from 'tap'
import replicas, { type FastifyHighloadReplicasOptions } from '../src/index.js'

/** One primary and `n` streaming replicas for the whole test file. */
export async function startCluster (t: Test, n = 2): Promise<PostgresCluster> {
  let pg: PostgresCluster
  try {
    pg = await startPostgres({ replicas: n, reuseExternal: false })
  } catch (err) {
    // pg_basebackup on a busy machine sometimes loses its WAL segment to a checkpoint
    // (HL_TESTING_START_FAILED); one more try keeps the file from failing on the harness.
    if ((err as { code?: string }).code !== 'HL_TESTING_START_FAILED') throw err
    pg = await startPostgres({ replicas: n, reuseExternal: false })
  }
  t.teardown(() => pg.close())
  return pg
}

/** The options naming every node of `pg`. */
export function nodesOf (pg: PostgresCluster): Pick<FastifyHighloadReplicasOptions, 'primary' | 'replicas'> {
  return {
    primary: { connectionString: pg.primary.connectionString },
    replicas: pg.replicas.map((r) => ({ name: r.name, connectionString: r.connectionString }))
  }
}

/** A fresh app with the plugin over `pg`, closed at the end of the test. */
export async function build (t: Test, pg: PostgresCluster, options: Partial<FastifyHighloadReplicasOptions> = {}, before?: (app: FastifyInstance) => Promise<void> | void): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (before !== undefined) await before(app)
  await app.register(replicas, { ...nodesOf(pg), ...options })
  return app
}

/** The node that served a query, named from the server's own port. */
export function nodeByPort (pg: PostgresCluster, port: number): string {
  const node = pg.nodes.find((n) => n.port === port)
  if (node === undefined) throw new Error(`no node on port ${port}`)
  return node.name
}

export const WHO = 'SELECT inet_server_port() AS port'

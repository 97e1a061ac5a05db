import Fastify, { type FastifyInstance } from 'fastify'
import pg from 'pg'
import replicas from '@highload/replicas'
import { startPostgres, type PostgresCluster } from '@highload/testing'
import type { MicroSuite } from './types.js'

// One primary and one streaming replica from @highload/testing on loopback. The baseline is what
// a user splitting reads by hand does: a pg.Pool to the replica. The candidate routes the same
// statement in `auto` mode: classified once (cached per SQL text), then sent to the replica.
let cluster: PostgresCluster | null = null
let app: FastifyInstance | null = null
let direct: pg.Pool | null = null
let unique = 0

function db (): FastifyInstance['db'] {
  return (app as FastifyInstance).db
}

const suite: MicroSuite = {
  name: 'replicas',
  description: 'A read of `SELECT 1` on a streaming replica over loopback: a direct pg.Pool to the replica ' +
    '(baseline) against @highload/replicas `fastify.db.query()` in `auto` mode (decision cached per SQL text, ' +
    'p2c selection, breaker and lag bookkeeping), and the same with a statement never seen before, which ' +
    'pays libpg-query\'s parse on every call. Both pools hold one connection, so each call is one round trip.',
  baseline: 'pg.Pool to the replica',
  setup: async () => {
    cluster = await startPostgres({ replicas: 1, reuseExternal: false })
    const replica = cluster.replicas[0]
    if (replica === undefined) throw new Error('no replica')
    direct = new pg.Pool({ connectionString: replica.connectionString, max: 1 })
    app = Fastify({ logger: false })
    await app.register(replicas, {
      primary: { connectionString: cluster.primary.connectionString, max: 1 },
      replicas: [{ name: 'replica1', connectionString: replica.connectionString, max: 1 }],
      defaultTarget: 'auto',
      health: false
    })
    await app.ready()
    await direct.query('SELECT 1')
    await db().query('SELECT 1')
  },
  teardown: async () => {
    await app?.close()
    await direct?.end()
    await cluster?.close()
  },
  tasks: {
    'pg.Pool to the replica': () => (direct as pg.Pool).query('SELECT 1'),
    '@highload/replicas auto, cached decision': () => db().query('SELECT 1'),
    '@highload/replicas auto, first sight (parsed)': () => db().query(`SELECT ${++unique}`)
  },
  maxOverheadNs: {
    '@highload/replicas auto, cached decision': 5000
  }
}

export default suite

import t from 'tap'
import pg from 'pg'
import { existsSync } from 'node:fs'
import { startPostgres, codes } from '../src/index.js'
import type { PgNode } from '../src/index.js'

async function withClient<T> (node: PgNode, fn: (c: pg.Client) => Promise<T>, opts: { queryTimeoutMs?: number } = {}): Promise<T> {
  const c = new pg.Client({ connectionString: node.connectionString, connectionTimeoutMillis: 10_000, query_timeout: opts.queryTimeoutMs })
  c.on('error', () => {})
  await c.connect()
  try {
    return await fn(c)
  } finally {
    await c.end()
  }
}

async function count (node: PgNode): Promise<number> {
  return withClient(node, async (c) => Number((await c.query('SELECT count(*) AS n FROM items')).rows[0].n))
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('a throwaway primary with a streaming replica', async (t) => {
  const cluster = await startPostgres({ reuseExternal: false })
  t.teardown(() => cluster.close())
  const { primary } = cluster
  const replica = cluster.replicas[0] as PgNode
  t.equal(cluster.external, false)
  t.equal(cluster.replicas.length, 1)
  t.same(cluster.nodes, [primary, replica])
  t.match(primary, { name: 'primary', role: 'primary', host: '127.0.0.1' })
  t.match(replica, { name: 'replica1', role: 'replica', host: '127.0.0.1' })
  t.equal(primary.connectionString, `postgresql://postgres@127.0.0.1:${primary.port}/test`)
  t.not(primary.port, 5432)
  t.not(replica.port, primary.port)

  await t.test('the replica is a standby of the primary, in the created database', async (t) => {
    t.same(await withClient(replica, async (c) => (await c.query('SELECT pg_is_in_recovery() AS r, current_database() AS db')).rows[0]), { r: true, db: 'test' })
    t.same(await withClient(primary, async (c) => (await c.query('SELECT pg_is_in_recovery() AS r')).rows[0]), { r: false })
  })

  await t.test('a row written on the primary is read on the replica', async (t) => {
    await withClient(primary, (c) => c.query('CREATE TABLE items (id int PRIMARY KEY); INSERT INTO items VALUES (1)'))
    await cluster.waitForCatchUp(replica)
    t.equal(await count(replica), 1)
    t.same(await cluster.lag(replica), { bytes: 0, seconds: 0 }, 'caught up: no lag')
  })

  await t.test('replay paused: the replica lags and misses a new row until resumed', async (t) => {
    await cluster.pauseReplay(replica)
    await withClient(primary, (c) => c.query('INSERT INTO items VALUES (2)'))
    const lag = await cluster.lag(replica)
    t.ok(lag.bytes > 0, `lag.bytes grows (${lag.bytes})`)
    t.ok(lag.seconds >= 0)
    t.equal(await count(replica), 1, 'the new row is not visible')
    await t.rejects(cluster.waitForCatchUp(replica, { timeoutMs: 300 }), { code: codes.TIMEOUT, message: /replica1/ })
    await withClient(primary, (c) => c.query('INSERT INTO items VALUES (3)'))
    t.ok((await cluster.lag(replica)).bytes > lag.bytes, 'and keeps growing')
    await cluster.resumeReplay(replica)
    await cluster.waitForCatchUp(replica)
    t.equal(await count(replica), 3)
    t.equal((await cluster.lag(replica)).bytes, 0)
  })

  await t.test('a paused node times a query out, resumed it answers', async (t) => {
    const c = new pg.Client({ connectionString: replica.connectionString, query_timeout: 500 })
    c.on('error', () => {})
    await c.connect()
    await cluster.pause(replica)
    await t.rejects(c.query('SELECT 1'), /timeout/i)
    await cluster.resume(replica)
    await c.end()
    t.equal(await count(replica), 3)
    await cluster.pause(primary, 300)
    t.equal(await count(primary), 3, 'pause(ms) resumes by itself')
  })

  await t.test('a stopped node refuses connections; started, it accepts them on the same port', async (t) => {
    const port = replica.port
    const pid = replica.pid as number
    await cluster.stop(replica)
    t.equal(replica.pid, undefined)
    t.notOk(isAlive(pid))
    await t.rejects(count(replica), { code: 'ECONNREFUSED' })
    await t.rejects(cluster.pause(replica), { code: codes.NOT_RUNNING })
    await t.rejects(cluster.resume(replica), { code: codes.NOT_RUNNING })
    await cluster.stop(replica) // already stopped
    await withClient(primary, (c) => c.query('INSERT INTO items VALUES (4)'))
    await cluster.start(replica)
    t.equal(replica.port, port)
    await cluster.start(replica) // already running
    await cluster.waitForCatchUp(replica)
    t.equal(await count(replica), 4, 'it caught up with what it missed')

    await cluster.stop(primary, 'immediate')
    await t.rejects(count(primary), { code: 'ECONNREFUSED' })
    await cluster.start(primary)
    t.equal(await count(primary), 4, 'crash recovery kept committed rows')
    await withClient(primary, (c) => c.query('INSERT INTO items VALUES (5)'))
    await cluster.waitForCatchUp(replica)
    t.equal(await count(replica), 5, 'the replica reconnected to the restarted primary')
  })

  await t.test('helpers check their node argument', async (t) => {
    const stranger = { ...replica }
    await t.rejects(cluster.stop(stranger), { code: codes.INVALID_ARGUMENT })
    await t.rejects(cluster.pauseReplay(primary), { code: codes.INVALID_ARGUMENT, message: /needs a replica/ })
    await t.rejects(cluster.lag(primary), { code: codes.INVALID_ARGUMENT })
  })

  await t.test('close() stops every node, removes the dir, is idempotent', async (t) => {
    const pids = cluster.nodes.map((n) => n.pid as number)
    const dir = cluster.dir as string
    t.ok(existsSync(dir))
    await Promise.all([cluster.close(), cluster.close()])
    for (const pid of pids) t.notOk(isAlive(pid), `postmaster ${pid} is gone`)
    t.notOk(existsSync(dir))
    await t.rejects(cluster.start(primary), { code: codes.NOT_RUNNING })
  })
})

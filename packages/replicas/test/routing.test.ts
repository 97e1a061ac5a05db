import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import t, { type Test } from 'tap'
import health from '@highload/health'
import { logCollector, waitUntil } from '@highload/testing'
import Fastify from 'fastify'
import replicas from '../src/index.js'
import { parseOptions } from '../src/options.js'
import { build, nodeByPort, nodesOf, startCluster, WHO } from './helpers.js'
import type { RouteEvent } from '../src/index.js'

const pg = await startCluster(t)

function port (result: { rows: unknown[] }): number {
  return (result.rows[0] as { port: number }).port
}

/** Collects a channel's messages for the rest of the test. */
function listen<T> (t: Test, name: string): T[] {
  const seen: T[] = []
  const fn = (message: unknown): void => { seen.push(message as T) }
  subscribe(name, fn)
  t.teardown(() => unsubscribe(name, fn))
  return seen
}

t.before(async () => {
  const setup = await build(t, pg)
  await setup.db.write('CREATE TABLE items (id serial PRIMARY KEY, name text)')
  await setup.db.write("INSERT INTO items (name) VALUES ('seed')")
  await setup.db.write('CREATE FUNCTION sneaky_write() RETURNS int LANGUAGE sql VOLATILE AS $$ INSERT INTO items (name) VALUES (\'sneaky\') RETURNING id $$')
  await setup.close()
  for (const replica of pg.replicas) await pg.waitForCatchUp(replica)
})

t.test('each node is a named @fastify/postgres instance with an error listener', async (t) => {
  const app = await build(t, pg)
  for (const node of pg.nodes) {
    const instance = app.pg[node.name]
    t.ok(instance, node.name)
    t.equal(port(await instance!.query(WHO)), node.port, `fastify.pg.${node.name} is ${node.name}`)
    t.ok(instance!.pool.listenerCount('error') >= 1)
    t.equal(instance!.pool.options.connectionTimeoutMillis, 2000)
  }
})

t.test('defaultTarget primary: query() goes to the primary', async (t) => {
  const app = await build(t, pg)
  t.equal(nodeByPort(pg, port(await app.db.query(WHO))), 'primary')
  t.same(app.db.explainRoute(WHO), { target: 'primary', reason: 'primary' })
  t.equal(nodeByPort(pg, port(await app.db.query(WHO, [], { target: 'replica' }))).startsWith('replica'), true)
  t.same(app.db.explainRoute(WHO, undefined, { target: 'replica' }), { target: 'replica', reason: 'read' })
  t.same(app.db.explainRoute('SELECT pg_sleep(0)', undefined, { target: 'replica' }), { target: 'primary', reason: 'volatile-function' })
})

t.test('auto: proven reads spread over the replicas, the rest on the primary', async (t) => {
  const app = await build(t, pg, { defaultTarget: 'auto' })
  const seen = new Map<string, number>()
  for (let i = 0; i < 60; i++) {
    const name = nodeByPort(pg, port(await app.db.query(WHO)))
    seen.set(name, (seen.get(name) ?? 0) + 1)
  }
  t.same([...seen.keys()].sort(), ['replica1', 'replica2'])
  t.equal(nodeByPort(pg, port(await app.db.query(`${WHO} FROM items FOR UPDATE LIMIT 1`))), 'primary')
  t.equal(nodeByPort(pg, port(await app.db.query('SELECT inet_server_port() AS port, lower(\'A\')'))).startsWith('replica'), true, 'pg_proc read: lower() is immutable')
  t.equal(nodeByPort(pg, port(await app.db.query('SELECT inet_server_port() AS port, pg_sleep(0)'))), 'primary')
  t.same(app.db.explainRoute('SELECT pg_sleep(0)'), { target: 'primary', reason: 'volatile-function' })
  t.same(app.db.explainRoute('SELECT 1'), { target: 'replica', reason: 'read' })
  t.same(app.db.explainRoute('SELECT 1', [], { target: 'primary' }), { target: 'primary', reason: 'primary' })
  // A statement error on a replica is not retried: it passes through.
  await t.rejects(app.db.read('SELECT * FROM missing_table'), { code: '42P01' })
  // Invalid SQL: the server's own error passes through, from the primary.
  await t.rejects(app.db.query('SELEC 1'), { code: '42601' })
  // 1 MB of SQL is not parsed; it runs on the primary.
  const huge = `${WHO} /* ${'x'.repeat(1024 * 1024)} */`
  t.same(app.db.explainRoute(huge), { target: 'primary', reason: 'too-long' })
  t.equal(nodeByPort(pg, port(await app.db.query(huge))), 'primary')
})

t.test('round-robin selection takes the replicas in turn', async (t) => {
  const app = await build(t, pg, { selection: 'round-robin' })
  const names = []
  for (let i = 0; i < 4; i++) names.push(nodeByPort(pg, port(await app.db.read(WHO))))
  t.not(names[0], names[1])
  t.equal(names[0], names[2])
  t.equal(names[1], names[3])
})

t.test('read(): consistency, tokens, and statements that are not reads', async (t) => {
  const app = await build(t, pg)
  await t.rejects(app.db.read('INSERT INTO items (name) VALUES ($1)', ['x']), { code: 'HL_REPLICAS_NOT_A_READ', statusCode: 500 })
  t.equal((await app.db.read('SELECT count(*)::int AS n FROM items WHERE name = $1', ['x'])).rows[0]!.n, 0, 'nothing was sent')
  t.equal(nodeByPort(pg, port(await app.db.read('SELECT inet_server_port() AS port, pg_sleep(0)'))), 'primary', 'not proven read-only')
  t.equal(nodeByPort(pg, port(await app.db.read(WHO, [], { consistency: 'strong' }))), 'primary')
  t.equal(nodeByPort(pg, port(await app.db.read(WHO, [], { consistency: 'eventual' }))).startsWith('replica'), true)
  // A token just taken: a replica that has replayed it (asked directly when the poll is older).
  await app.db.write('INSERT INTO items (name) VALUES ($1)', ['after-token'])
  const token = await app.db.lsn()
  t.match(token, /^[0-9A-F]+\/[0-9A-F]+$/)
  const r = await app.db.read<{ port: number, n: number }>('SELECT inet_server_port() AS port, count(*)::int AS n FROM items WHERE name = $1', ['after-token'], { after: token })
  t.equal(r.rows[0]!.n, 1, 'the write is visible')
  // A token from the future: waitMs on the best replica, then the primary.
  const routes = listen<RouteEvent>(t, 'highload:replicas:route')
  t.equal(nodeByPort(pg, port(await app.db.read(WHO, [], { after: 'FF/0' }))), 'primary')
  t.same(routes.at(-1), { target: 'primary', node: 'primary', reason: 'token-not-replayed' })
  await t.rejects(app.db.read(WHO, [], { after: 'nope' }), { code: 'HL_REPLICAS_INVALID_QUERY' })
  await t.rejects(app.db.read(WHO, [], { consistency: 'causal' as 'strong' }), { code: 'HL_REPLICAS_INVALID_QUERY' })
})

t.test('invalid calls fail before any I/O', async (t) => {
  const app = await build(t, pg)
  const db = app.db as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>
  await t.rejects(db.query!(42), { code: 'HL_REPLICAS_INVALID_QUERY', statusCode: 500 })
  await t.rejects(db.query!(''), { code: 'HL_REPLICAS_INVALID_QUERY' })
  await t.rejects(db.query!('SELECT $1', 'x'), { code: 'HL_REPLICAS_INVALID_QUERY' })
  await t.rejects(db.query!('SELECT 1', [], { target: 'elsewhere' }), { code: 'HL_REPLICAS_INVALID_QUERY' })
  await t.rejects(db.write!({ text: 'SELECT 1' }), { code: 'HL_REPLICAS_INVALID_QUERY' })
  await t.rejects(db.read!(null), { code: 'HL_REPLICAS_INVALID_QUERY' })
  await t.rejects(db.transaction!('nope'), { code: 'HL_REPLICAS_INVALID_QUERY' })
  await t.rejects(db.transaction!(async () => 1, { isolation: 'chaos' }), { code: 'HL_REPLICAS_INVALID_QUERY' })
  await t.rejects(db.readTransaction!(undefined), { code: 'HL_REPLICAS_INVALID_QUERY' })
  t.throws(() => app.db.explainRoute(1 as unknown as string), { code: 'HL_REPLICAS_INVALID_QUERY' })
})

t.test('write(), transaction(), readTransaction(), lsn(), status()', async (t) => {
  const app = await build(t, pg)
  t.equal(nodeByPort(pg, port(await app.db.write(WHO))), 'primary')
  const id = await app.db.transaction(async (tx) => {
    const level = await tx.query<{ transaction_isolation: string }>('SHOW transaction_isolation')
    t.equal(level.rows[0]!.transaction_isolation, 'serializable')
    t.equal(nodeByPort(pg, port(await tx.query(WHO))), 'primary')
    const inserted = await tx.query<{ id: number }>('INSERT INTO items (name) VALUES ($1) RETURNING id', ['tx'])
    return inserted.rows[0]!.id
  }, { isolation: 'serializable' })
  t.equal((await app.db.write('SELECT count(*)::int AS n FROM items WHERE id = $1', [id])).rows[0]!.n, 1, 'committed')
  const boom = new Error('boom')
  await t.rejects(app.db.transaction(async (tx) => {
    await tx.query('INSERT INTO items (name) VALUES ($1)', ['rolled-back'])
    throw boom
  }), boom, 'a throw passes through')
  t.equal((await app.db.write('SELECT count(*)::int AS n FROM items WHERE name = $1', ['rolled-back'])).rows[0]!.n, 0, 'rolled back')
  await t.rejects(app.db.transaction(async (tx) => await tx.query(7 as unknown as string)), { code: 'HL_REPLICAS_INVALID_QUERY' })
  // The connection dies inside the transaction: the client is destroyed, not returned.
  const backend = async (tx: { query: (sql: string) => Promise<unknown> }): Promise<unknown> => await tx.query('SELECT pg_terminate_backend(pg_backend_pid())')
  await t.rejects(app.db.transaction(backend), { message: /terminat/ })
  const late = new Error('after the connection died')
  await t.rejects(app.db.transaction(async (tx) => {
    await backend(tx).catch(() => {})
    throw late
  }), late, 'a failed ROLLBACK does not hide the error')
  t.equal(nodeByPort(pg, port(await app.db.write(WHO))), 'primary', 'the pool still works')
  const snapshot = await app.db.readTransaction(async (tx) => {
    const a = await tx.query<{ transaction_isolation: string }>('SHOW transaction_isolation')
    const b = await tx.query<{ transaction_read_only: string }>('SHOW transaction_read_only')
    return { isolation: a.rows[0]!.transaction_isolation, readOnly: b.rows[0]!.transaction_read_only, node: nodeByPort(pg, port(await tx.query(WHO))) }
  })
  t.equal(snapshot.isolation, 'repeatable read')
  t.equal(snapshot.readOnly, 'on')
  t.equal(snapshot.node.startsWith('replica'), true)
  await t.rejects(app.db.readTransaction(async (tx) => await tx.query('INSERT INTO items (name) VALUES (1)')), { code: '25006' })
  const status = app.db.status()
  t.same(status.map((s) => [s.name, s.role, s.state, s.breaker]), [
    ['primary', 'primary', 'up', 'closed'], ['replica1', 'replica', 'up', 'closed'], ['replica2', 'replica', 'up', 'closed']
  ])
  t.match(status[1], { lagMs: Number, lagBytes: Number, replayLsn: /\//, inFlight: 0, pool: { totalCount: Number, idleCount: Number, waitingCount: 0 } })
  t.match(status[0], { lagMs: null, lagBytes: null, replayLsn: null })
})

t.test('request.db: tokens in and out, reads after a write, route settings', async (t) => {
  const app = await build(t, pg)
  app.post('/items', async (request) => {
    await request.db.write('INSERT INTO items (name) VALUES ($1)', ['via-http'])
    // Later reads of a request that wrote go to the primary.
    return { node: nodeByPort(pg, port(await request.db.read(WHO))), explained: request.db.explainRoute(WHO, [], { target: 'replica' }) }
  })
  app.get('/items', async (request) => {
    const r = await request.db.read<{ port: number, n: number }>('SELECT inet_server_port() AS port, count(*)::int AS n FROM items WHERE name = $1', ['via-http'])
    return { node: nodeByPort(pg, r.rows[0]!.port), n: r.rows[0]!.n }
  })
  app.get('/strong', { config: { db: { consistency: 'strong' } } }, async (request) => nodeByPort(pg, port(await request.db.read(WHO))))
  app.get('/auto', { config: { db: { target: 'auto' } } }, async (request) => nodeByPort(pg, port(await request.db.query(WHO))))
  app.post('/tx-db', async (request) => {
    await request.db.transaction(async (tx) => await tx.query("INSERT INTO items (name) VALUES ('tx-db')"))
    return 'ok'
  })
  app.get('/after', async (request) => {
    const after = (request.query as { after: string }).after
    return request.db.explainRoute(WHO, [], { target: 'replica' }).reason + ' ' + nodeByPort(pg, port(await request.db.read(WHO, [], { after })))
  })
  app.get('/out', { config: { db: false } }, async (request) => request.db === app.db)
  app.post('/tx', { pg: { transact: 'primary' } }, async (request) => {
    await (request.pg as unknown as Record<string, { query: (sql: string) => Promise<unknown> }>).primary!.query("INSERT INTO items (name) VALUES ('transact')")
    return 'ok'
  })

  const write = await app.inject({ method: 'POST', url: '/items' })
  t.equal(write.statusCode, 200)
  t.same(write.json(), { node: 'primary', explained: { target: 'primary', reason: 'request-wrote' } })
  const token = write.headers['x-pg-lsn'] as string
  t.match(token, /^[0-9A-F]+\/[0-9A-F]+$/)
  const read = await app.inject({ url: '/items', headers: { 'x-pg-lsn': token } })
  t.equal(read.json().n, 1, 'the write is visible')
  t.equal(read.headers['x-pg-lsn'], token, 'the token is passed on')
  t.equal((await app.inject('/items')).headers['x-pg-lsn'], undefined, 'no token, no write: no header')

  const older = await app.inject({ method: 'POST', url: '/items', headers: { 'x-pg-lsn': '0/1' } })
  t.not(older.headers['x-pg-lsn'], '0/1', 'the newer position wins')
  const newer = await app.inject({ method: 'POST', url: '/items', headers: { 'x-pg-lsn': 'FFFF/0' } })
  t.equal(newer.headers['x-pg-lsn'], 'FFFF/0', 'the incoming token when it is higher')

  for (const bad of ['nope', '1/2/3', 'G/0', '123456789/0']) {
    const res = await app.inject({ url: '/items', headers: { 'x-pg-lsn': bad } })
    t.equal(res.statusCode, 400, bad)
    t.equal(res.json().code, 'HL_REPLICAS_INVALID_TOKEN')
  }
  t.equal((await app.inject({ url: '/out', headers: { 'x-pg-lsn': 'nope' } })).json(), true, 'opted out: no token, fastify.db')
  t.equal((await app.inject('/strong')).body, 'primary')
  t.match((await app.inject('/auto')).body, /^replica/)
  t.match((await app.inject({ method: 'POST', url: '/tx-db' })).headers['x-pg-lsn'], /\//, 'request.db.transaction() counts as a write')
  t.match((await app.inject({ url: '/after?after=FF/0', headers: { 'x-pg-lsn': '0/1' } })).body, /primary$/, 'the higher of the header and after')
  t.match((await app.inject({ url: '/after?after=0/1', headers: { 'x-pg-lsn': 'FF/0' } })).body, /^token-not-replayed primary$/)
  t.match((await app.inject({ url: '/after?after=0/1', headers: { 'x-pg-lsn': '0/1' } })).body, /^token-replayed replica/)
  t.equal((await app.inject({ url: '/items', headers: { 'x-pg-lsn': ['0/1', '0/2'] } })).statusCode, 400, 'a repeated header')
  const tx = await app.inject({ method: 'POST', url: '/tx' })
  t.equal(tx.statusCode, 200)
  t.match(tx.headers['x-pg-lsn'], /\//, 'a @fastify/postgres transaction on the primary counts as a write')
})

t.test('route settings are validated at registration', async (t) => {
  const app = await build(t, pg)
  const bad: unknown[] = ['yes', { target: 'replica' }, { consistency: 'causal' }, { other: 1 }, null]
  for (const db of bad) {
    t.throws(() => app.get(`/bad-${String(Math.random()).slice(2)}`, { config: { db: db as false } }, async () => 'x'), { code: 'HL_REPLICAS_INVALID_OPTION' })
  }
})

t.test('a statement a replica refuses (25006) goes to the primary once, then always', async (t) => {
  const app = await build(t, pg, { defaultTarget: 'auto', classifier: { readOnlyFunctions: ['sneaky_write'] } })
  const retries = listen<{ node: string, cause: string, attempt: number }>(t, 'highload:replicas:retry')
  const sql = 'SELECT inet_server_port() AS port, sneaky_write()'
  t.same(app.db.explainRoute(sql), { target: 'replica', reason: 'read' })
  t.equal(nodeByPort(pg, port(await app.db.query(sql))), 'primary')
  t.match(retries, [{ cause: 'misroute', attempt: 1 }])
  t.same(app.db.explainRoute(sql), { target: 'primary', reason: 'misrouted' })
})

t.test('events: route, lag, node, slow-query; only when subscribed', async (t) => {
  const routes = listen<RouteEvent>(t, 'highload:replicas:route')
  const lags = listen<{ node: string }>(t, 'highload:replicas:lag')
  const slow = listen<{ node: string, fingerprint: string, durationMs: number }>(t, 'highload:replicas:slow-query')
  const app = await build(t, pg, { slowQueryMs: 50, lag: { pollIntervalMs: 20 } })
  await app.db.read(WHO)
  t.match(routes.at(-1), { target: 'replica', node: /^replica/, reason: 'read' })
  await app.db.write('SELECT pg_sleep(0.06)')
  t.match(slow.at(-1), { node: 'primary', fingerprint: /^[0-9a-f]{16}$/, durationMs: Number })
  t.notMatch(JSON.stringify(slow), /pg_sleep/, 'never the SQL text')
  await waitUntil(() => lags.length >= 4, 'four lag measurements')
  t.match(lags[0], { node: /^replica/, lagMs: Number, lagBytes: Number, replayLsn: /\// })
})

t.test('health checks per node, none critical by default', async (t) => {
  const app = await build(t, pg, {}, async (app) => { await app.register(health) })
  await app.ready()
  const report = await app.inject('/health')
  const checks = Object.keys(report.json().checks)
  for (const name of ['replicas.primary', 'replicas.replica1', 'replicas.replica2']) t.ok(checks.some((c) => c.startsWith(name)), name)
  t.equal((await app.inject('/readyz')).statusCode, 200)
})

t.test('function volatility unreadable: functions go to the primary, with a warning', async (t) => {
  const admin = await build(t, pg)
  // A role that may call functions but not read pg_proc.
  await admin.db.write('CREATE ROLE app LOGIN')
  await admin.db.write('REVOKE SELECT ON pg_catalog.pg_proc FROM PUBLIC')
  t.teardown(() => admin.db.write('GRANT SELECT ON pg_catalog.pg_proc TO PUBLIC'))
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'warn', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(replicas, {
    ...nodesOf(pg),
    primary: { connectionString: pg.primary.connectionString.replace('postgres@', 'app@') },
    defaultTarget: 'auto',
    lag: { pollIntervalMs: 20 }
  })
  await waitUntil(() => logs.messages().some((m) => m.includes('function volatility')), 'the warning')
  t.same(app.db.explainRoute("SELECT lower('A')"), { target: 'primary', reason: 'unknown-function' })
})

t.test('health: false registers no check; closed plugin refuses calls', async (t) => {
  const app = await build(t, pg, { health: false }, async (app) => { await app.register(health) })
  await app.ready()
  t.notOk(Object.keys((await app.inject('/health')).json().checks ?? {}).some((c) => c.startsWith('replicas.')))
  await app.close()
  await t.rejects(app.db.query('SELECT 1'), { code: 'HL_REPLICAS_CLOSED', statusCode: 503 })
  await t.rejects(app.db.lsn(), { code: 'HL_REPLICAS_CLOSED' })
})

t.test('close waits for queries in flight', async (t) => {
  const app = await build(t, pg)
  const slow = app.db.write('SELECT pg_sleep(0.2), 1 AS done')
  await new Promise((resolve) => setImmediate(resolve))
  await app.close()
  t.equal((await slow).rows[0]!.done, 1)
  t.equal(app.pg.primary!.pool.totalCount, 0, 'pools ended')
})

t.test('fallback budget: no replica and no budget → HL_REPLICAS_UNAVAILABLE', async (t) => {
  const app = await build(t, pg, { replicas: [], fallback: { maxPrimaryReads: 0 } })
  await t.rejects(app.db.read(WHO), { code: 'HL_REPLICAS_UNAVAILABLE', statusCode: 503, headers: { 'retry-after': '1' } })
  t.equal(nodeByPort(pg, port(await app.db.read(WHO, [], { consistency: 'strong' }))), 'primary', 'strong reads are not fallbacks')
  const open = await build(t, pg, { replicas: [] })
  t.equal(nodeByPort(pg, port(await open.db.read(WHO))), 'primary')
  t.same(open.db.explainRoute(WHO, [], { target: 'replica' }), { target: 'primary', reason: 'no-replica' })
  await t.rejects(open.db.read('SELECT * FROM missing_table'), { code: '42P01' }, 'a statement error on the primary passes through')
})

t.test('a token store: the token follows the user without the header', async (t) => {
  const kept = new Map<string, string>()
  const sets: Array<[string, string, number]> = []
  let failGet = false
  let failSet = false
  const store = {
    get: async (key: string) => {
      if (failGet) throw new Error('store down')
      return kept.get(key)
    },
    set: (key: string, token: string, ttlMs: number) => {
      if (failSet) throw new Error('store down')
      sets.push([key, token, ttlMs])
      kept.set(key, token)
    }
  }
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'warn', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(replicas, {
    ...nodesOf(pg),
    consistency: { store, key: (request) => request.headers['x-user'] as string | undefined, ttlMs: 5000 }
  })
  app.post('/items', async (request) => {
    await request.db.write('INSERT INTO items (name) VALUES ($1)', [(request.query as { name: string }).name])
    return 'ok'
  })
  app.get('/items', async (request) => {
    const r = await request.db.read<{ port: number, n: number }>('SELECT inet_server_port() AS port, count(*)::int AS n FROM items WHERE name = $1', [(request.query as { name: string }).name])
    return { n: r.rows[0]!.n, node: nodeByPort(pg, r.rows[0]!.port), reason: request.db.explainRoute(WHO, [], { target: 'replica' }).reason }
  })

  const write = await app.inject({ method: 'POST', url: '/items?name=stored', headers: { 'x-user': 'u1' } })
  t.equal(write.statusCode, 200)
  t.same(sets, [['u1', write.headers['x-pg-lsn'], 5000]], 'stored under the user, with the TTL')
  const read = await app.inject({ url: '/items?name=stored', headers: { 'x-user': 'u1' } })
  t.equal(read.json().n, 1, 'the write is visible without the header')
  t.equal(read.headers['x-pg-lsn'], write.headers['x-pg-lsn'])
  t.equal((await app.inject({ url: '/items?name=stored' })).headers['x-pg-lsn'], undefined, 'no key: no store')
  t.equal((await app.inject({ url: '/items?name=stored', headers: { 'x-user': 'u1', 'x-pg-lsn': 'FF/0' } })).headers['x-pg-lsn'], 'FF/0', 'the higher of header and store')
  t.equal((await app.inject({ url: '/items?name=stored', headers: { 'x-user': 'u1', 'x-pg-lsn': 'bad' } })).statusCode, 400)
  kept.set('u2', 'not a token')
  t.equal((await app.inject({ url: '/items?name=stored', headers: { 'x-user': 'u2' } })).headers['x-pg-lsn'], undefined, 'a malformed stored value is ignored')

  failGet = true
  const degraded = await app.inject({ url: '/items?name=stored', headers: { 'x-user': 'u1' } })
  t.same(degraded.json(), { n: 1, node: 'primary', reason: 'strong' }, 'the store failed: this request reads from the primary')
  t.ok(logs.messages().some((m) => m.includes('token store failed')))
  failGet = false
  failSet = true
  const unstored = await app.inject({ method: 'POST', url: '/items?name=unstored', headers: { 'x-user': 'u1' } })
  t.equal(unstored.statusCode, 200)
  t.match(unstored.headers['x-pg-lsn'], /\//, 'the header is still sent')
  t.ok(logs.messages().some((m) => m.includes('could not record')))
})

t.test('a token store needs a key', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await t.rejects(async () => await app.register(replicas, { ...nodesOf(pg), consistency: { store: { get: () => null, set: () => {} } } }),
    { code: 'HL_REPLICAS_INVALID_OPTION', message: /consistency\.key: got null, expected a function of the request/ })
  t.throws(() => parseOptions({ primary: {}, consistency: { store: { get: () => null } } }), { message: /consistency\.store/ })
  t.throws(() => parseOptions({ primary: {}, consistency: { key: 'user' } }), { message: /consistency\.key/ })
})

t.test('a cookie carries the token for browsers', async (t) => {
  const app = await build(t, pg, { consistency: { cookie: 'pg_lsn', ttlMs: 2500 } })
  app.post('/items', async (request) => {
    await request.db.write('INSERT INTO items (name) VALUES ($1)', ['cookie'])
    return 'ok'
  })
  app.get('/items', async (request) => {
    const r = await request.db.read<{ n: number }>('SELECT count(*)::int AS n FROM items WHERE name = $1', ['cookie'])
    return { n: r.rows[0]!.n, reason: request.db.explainRoute(WHO, [], { target: 'replica' }).reason }
  })
  const write = await app.inject({ method: 'POST', url: '/items' })
  const token = write.headers['x-pg-lsn'] as string
  t.equal(write.headers['set-cookie'], `pg_lsn=${token}; Path=/; Max-Age=3; HttpOnly; SameSite=Lax`)
  const read = await app.inject({ url: '/items', headers: { cookie: `other=1; pg_lsn=${token}` } })
  t.equal(read.json().n, 1, 'the write is visible with the cookie alone')
  t.equal(read.headers['x-pg-lsn'], token)
  t.equal(read.headers['set-cookie'], undefined, 'a read sets no cookie')
  t.equal((await app.inject({ url: '/items', headers: { cookie: 'pg_lsn=FF/0', 'x-pg-lsn': token } })).json().reason, 'token-not-replayed', 'the higher of header and cookie')
  t.equal((await app.inject({ url: '/items', headers: { cookie: 'pg_lsn=0/1', 'x-pg-lsn': 'FF/0' } })).json().reason, 'token-not-replayed')
  const bad = await app.inject({ url: '/items', headers: { cookie: 'pg_lsn=garbage' } })
  t.equal(bad.statusCode, 200, 'a malformed cookie is ignored')
  t.equal(bad.json().reason, 'read')
  t.equal((await app.inject({ url: '/items', headers: { cookie: 'other=1' } })).json().reason, 'read')
})

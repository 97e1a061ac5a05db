// @highload/replicas in the composed app, on a real primary with two streaming replicas.
import t from 'tap'
import { startPostgres, waitUntil } from '@highload/testing'
import { app } from './helpers/app.js'

t.test('notes: read-your-writes across a paused replica, readiness with a replica down, routing in /metrics', async (t) => {
  const cluster = await startPostgres({ replicas: 2, reuseExternal: false })
  t.teardown(() => cluster.close())
  const [replica1, replica2] = cluster.replicas
  if (replica1 === undefined || replica2 === undefined) throw new Error('two replicas expected')
  const server = await app(t, {
    DATABASE_URL: cluster.primary.connectionString,
    DATABASE_REPLICA_URLS: `${replica1.connectionString},${replica2.connectionString}`,
    RATE_LIMIT_MAX: '10000'
  })

  await t.test('a client that sends back its token reads its own write, even with a replica paused', async (t) => {
    await cluster.pauseReplay(replica1)
    t.teardown(() => cluster.resumeReplay(replica1))
    for (let i = 0; i < 20; i++) {
      const created = await server.inject({ method: 'POST', url: '/notes', payload: { body: `note ${i}` } })
      t.equal(created.statusCode, 201)
      const token = created.headers['x-pg-lsn']
      t.match(token, /^[0-9A-F]+\/[0-9A-F]+$/, 'the write answers with its LSN token')
      const read = await server.inject({ url: `/notes/${String(created.json().id)}`, headers: { 'x-pg-lsn': String(token) } })
      t.equal(read.statusCode, 200, 'the note is found: no stale read')
      t.equal(read.json().body, `note ${i}`)
      t.not(read.json().servedBy, replica1.port, 'never by the replica that has not replayed it')
    }
  })

  await t.test('a stopped replica does not take the instance out of rotation', async (t) => {
    await cluster.stop(replica2)
    t.teardown(() => cluster.start(replica2))
    const created = await server.inject({ method: 'POST', url: '/notes', payload: { body: 'still writing' } })
    t.equal(created.statusCode, 201)
    await cluster.waitForCatchUp(replica1)
    for (let i = 0; i < 10; i++) {
      const read = await server.inject({ url: `/notes/${String(created.json().id)}`, headers: { 'x-pg-lsn': String(created.headers['x-pg-lsn']) } })
      t.equal(read.statusCode, 200, 'reads carry on')
    }
    await waitUntil(async () => (await server.inject('/health')).json().checks['replicas.replica2:responseTime']?.[0]?.status === 'fail',
      'the stopped replica to fail its check in /health', 20_000)
    const health = await server.inject('/health')
    t.equal(health.statusCode, 200, '/health still answers 200: the check is not critical')
    t.equal(health.json().status, 'warn', 'and the service warns')
    t.equal((await server.inject('/readyz')).statusCode, 200, 'readiness stays 200')
  })

  await t.test('/metrics shows where queries went', async (t) => {
    const text = (await server.inject('/metrics')).body
    t.match(text, /highload_replicas_routed_total\{target="replica",node="replica\d",reason="[a-z-]+"\} \d+/)
    t.match(text, /highload_replicas_routed_total\{target="primary",node="primary",reason="write"\} \d+/)
    t.notMatch(text, /postgres(ql)?:\/\//, 'no connection string leaks into the exposition')
  })

  await t.test('bad input: a malformed token, an unknown note, an empty body', async (t) => {
    t.equal((await server.inject('/notes/999999999')).statusCode, 404)
    t.equal((await server.inject({ method: 'POST', url: '/notes', payload: { body: '' } })).statusCode, 400)
    t.equal((await server.inject('/notes/1;DROP')).statusCode, 400, 'ids are digits only')
    const res = await server.inject({ url: '/notes/1', headers: { 'x-pg-lsn': 'not-an-lsn' } })
    t.equal(res.statusCode, 400)
    t.equal(res.json().code, 'HL_REPLICAS_INVALID_TOKEN')
  })
})

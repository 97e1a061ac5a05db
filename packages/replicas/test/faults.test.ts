import t, { type Test } from 'tap'
import health from '@highload/health'
import { waitUntil } from '@highload/testing'
import type { FastifyInstance } from 'fastify'
import { build, nodeByPort, startCluster, WHO } from './helpers.js'

const pg = await startCluster(t)

t.before(async () => {
  const setup = await build(t, pg)
  await setup.db.write('CREATE TABLE notes (id serial PRIMARY KEY, body text)')
  await setup.db.write('CREATE TABLE conflict (id int)')
  await setup.close()
  for (const replica of pg.replicas) await pg.waitForCatchUp(replica)
})

function stateOf (app: FastifyInstance, name: string): string {
  return app.db.status().find((s) => s.name === name)!.state
}

/** Write-then-read over HTTP with the token: counts stale reads and who served each read. */
async function writeThenRead (app: FastifyInstance, rounds: number): Promise<{ stale: number, served: Map<string, number> }> {
  let stale = 0
  const served = new Map<string, number>()
  for (let i = 0; i < rounds; i++) {
    const body = `note-${Math.random()}`
    const write = await app.inject({ method: 'POST', url: '/notes', payload: { body } })
    const read = await app.inject({ url: `/notes?body=${body}`, headers: { 'x-pg-lsn': write.headers['x-pg-lsn'] as string } })
    const { n, node } = read.json() as { n: number, node: string }
    if (n !== 1) stale++
    served.set(node, (served.get(node) ?? 0) + 1)
  }
  return { stale, served }
}

async function notesApp (t: Test): Promise<FastifyInstance> {
  const app = await build(t, pg, { lag: { pollIntervalMs: 50, maxLagMs: 1000 }, slowStartMs: 100 })
  app.post('/notes', async (request) => {
    await request.db.write('INSERT INTO notes (body) VALUES ($1)', [(request.body as { body: string }).body])
    return 'ok'
  })
  app.get('/notes', async (request) => {
    const r = await request.db.read<{ port: number, n: number }>(
      'SELECT inet_server_port() AS port, count(*)::int AS n FROM notes WHERE body = $1', [(request.query as { body: string }).body])
    return { n: r.rows[0]!.n, node: nodeByPort(pg, r.rows[0]!.port) }
  })
  return app
}

t.test('one replica\'s replay paused: no stale read with the token; ejected for lag, readmitted', async (t) => {
  const app = await notesApp(t)
  const [paused, other] = pg.replicas as [typeof pg.replicas[0], typeof pg.replicas[0]]
  await pg.pauseReplay(paused)
  t.teardown(() => pg.resumeReplay(paused))
  const { stale, served } = await writeThenRead(app, 1000)
  t.equal(stale, 0, 'no stale read')
  t.equal(served.get(paused.name), undefined, 'none from the paused replica')
  t.ok((served.get(other.name) ?? 0) > 500, `most from the other (${JSON.stringify([...served])})`)
  await waitUntil(() => stateOf(app, paused.name) === 'lagging', 'the paused replica to be ejected for lag')
  t.equal(app.db.status().find((s) => s.name === paused.name)!.lagMs! > 1000, true)
  await pg.resumeReplay(paused)
  await waitUntil(() => ['warming', 'up'].includes(stateOf(app, paused.name)), 'the replica to return')
  const back = new Set<string>()
  await waitUntil(async () => {
    back.add(nodeByPort(pg, (await app.db.read<{ port: number }>(WHO)).rows[0]!.port))
    return back.has(paused.name)
  }, 'a read from the readmitted replica')
})

t.test('both replicas paused: every read from the primary, none stale', async (t) => {
  const app = await notesApp(t)
  for (const r of pg.replicas) await pg.pauseReplay(r)
  t.teardown(async () => { for (const r of pg.replicas) await pg.resumeReplay(r) })
  const { stale, served } = await writeThenRead(app, 200)
  t.equal(stale, 0)
  t.same([...served], [['primary', 200]])
})

t.test('a replica stopped under concurrent reads: no read fails; readmitted after start', async (t) => {
  const app = await build(t, pg, { lag: { pollIntervalMs: 50 }, slowStartMs: 100, consistency: { mode: 'eventual' } })
  const victim = pg.replicas[0]!
  let failed = 0
  let reads = 0
  const running = { stop: false }
  const loops = Array.from({ length: 8 }, async () => {
    while (!running.stop) {
      try {
        await app.db.read(WHO)
        reads++
      } catch (err) {
        failed++
        t.comment(String(err))
      }
    }
  })
  await waitUntil(() => reads > 200, 'reads before the stop')
  // An app that has not noticed yet (no poll for a minute) and knows only this replica.
  const unaware = await build(t, pg, { replicas: [{ name: victim.name, connectionString: victim.connectionString }], lag: { pollIntervalMs: 60000 } })
  await pg.stop(victim)
  t.equal(nodeByPort(pg, (await unaware.db.read<{ port: number }>(WHO, [], { after: 'FF/0' })).rows[0]!.port), 'primary', 'asking the replica for its replay LSN failed: the primary')
  t.equal(nodeByPort(pg, (await unaware.db.read<{ port: number }>(WHO)).rows[0]!.port), 'primary', 'the replica failed: the primary')
  const single = await build(t, pg, { replicas: [{ name: victim.name, connectionString: victim.connectionString }], lag: { pollIntervalMs: 60000 }, retry: { maxAttempts: 1 } })
  await t.rejects(single.db.read(WHO), { code: 'HL_REPLICAS_UNAVAILABLE', message: /every attempt failed/, cause: { code: 'ECONNREFUSED' } }, 'one attempt allowed')
  const before = reads
  await waitUntil(() => reads > before + 500, 'reads after the stop')
  await waitUntil(() => stateOf(app, victim.name) === 'down', 'the stopped replica to be ejected')
  running.stop = true
  await Promise.all(loops)
  t.equal(failed, 0, `no failed read out of ${reads}`)
  await pg.start(victim)
  await waitUntil(() => ['warming', 'up'].includes(stateOf(app, victim.name)), 'the replica to be readmitted', 15000)
  const seen = new Set<string>()
  await waitUntil(async () => {
    seen.add(nodeByPort(pg, (await app.db.read<{ port: number }>(WHO)).rows[0]!.port))
    return seen.has(victim.name)
  }, 'a read from the restarted replica')
})

t.test('a recovery conflict (40001) is retried on another replica', async (t) => {
  const [first, second] = pg.replicas as [typeof pg.replicas[0], typeof pg.replicas[0]]
  const app = await build(t, pg, {
    replicas: [
      { name: first.name, connectionString: first.connectionString, weight: 1e6 },
      { name: second.name, connectionString: second.connectionString, weight: 1e-6 }
    ],
    classifier: { readOnlyFunctions: ['pg_sleep'] }
  })
  await app.pg[first.name]!.query('ALTER SYSTEM SET max_standby_streaming_delay = 0')
  await app.pg[first.name]!.query('SELECT pg_reload_conf()')
  t.teardown(async () => {
    await app.pg[first.name]!.query('ALTER SYSTEM RESET max_standby_streaming_delay')
    await app.pg[first.name]!.query('SELECT pg_reload_conf()')
  })
  await app.db.write('INSERT INTO conflict SELECT generate_series(1, 1000)')
  await pg.waitForCatchUp(first)
  await pg.waitForCatchUp(second)
  const retries: unknown[] = []
  const { subscribe, unsubscribe } = await import('node:diagnostics_channel')
  const onRetry = (m: unknown): void => { retries.push(m) }
  subscribe('highload:replicas:retry', onRetry)
  t.teardown(() => unsubscribe('highload:replicas:retry', onRetry))
  const read = app.db.read<{ port: number, n: number }>('SELECT inet_server_port() AS port, count(*)::int AS n FROM conflict, pg_sleep(1)')
  await waitUntil(async () => {
    const active = await app.pg[first.name]!.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM pg_stat_activity WHERE state = 'active' AND query LIKE '%FROM conflict, pg_sleep%' AND pid <> pg_backend_pid()")
    return active.rows[0]!.n > 0
  }, 'the read to be running on the first replica')
  await app.db.write('DELETE FROM conflict')
  await app.db.write('VACUUM conflict')
  const r = await read
  t.match(retries, [{ node: first.name, cause: 'conflict', attempt: 1 }])
  t.equal(nodeByPort(pg, r.rows[0]!.port), second.name, 'served by the other replica')
})

t.test('primary stopped: writes fail fast with a coded 503; reads carry on', async (t) => {
  const app = await build(t, pg, { lag: { pollIntervalMs: 50 }, consistency: { mode: 'eventual' } }, async (app) => { await app.register(health) })
  const lone = await build(t, pg, { replicas: [], lag: { pollIntervalMs: 60000 }, breaker: { minimumCalls: 5 } })
  app.post('/write', async (request) => await request.db.write('SELECT 1'))
  await pg.stop(pg.primary)
  t.teardown(() => pg.start(pg.primary))
  const started = Date.now()
  await t.rejects(app.db.write('SELECT 1'), { code: 'HL_REPLICAS_PRIMARY_UNAVAILABLE', statusCode: 503 })
  t.comment(`the first write failed after ${Date.now() - started} ms`)
  await t.rejects(lone.db.write(WHO), { code: 'HL_REPLICAS_PRIMARY_UNAVAILABLE', cause: Error })
  await t.rejects(lone.db.read(WHO), { code: 'HL_REPLICAS_UNAVAILABLE', cause: Error }, 'no replica, and the primary failed')
  await t.rejects(lone.db.read(WHO, [], { consistency: 'strong' }), { code: 'HL_REPLICAS_PRIMARY_UNAVAILABLE', cause: Error })
  await t.rejects(lone.db.read(WHO), { code: 'HL_REPLICAS_UNAVAILABLE', cause: Error })
  t.equal(stateOf(lone, 'primary'), 'down', 'four failures in five calls opened its breaker')
  await t.rejects(lone.db.read(WHO), { code: 'HL_REPLICAS_UNAVAILABLE', message: /the primary is down/ }, 'fails fast')
  await waitUntil(() => stateOf(app, 'primary') === 'down', 'the primary to be marked down')
  const res = await app.inject({ method: 'POST', url: '/write' })
  t.equal(res.statusCode, 503)
  t.equal(res.json().code, 'HL_REPLICAS_PRIMARY_UNAVAILABLE')
  t.match(res.headers['retry-after'], /^\d+$/)
  await t.rejects(app.db.transaction(async () => 1), { code: 'HL_REPLICAS_PRIMARY_UNAVAILABLE' })
  await t.rejects(app.db.read(WHO, [], { consistency: 'strong' }), { code: 'HL_REPLICAS_PRIMARY_UNAVAILABLE' })
  await t.rejects(app.db.lsn(), { code: 'HL_REPLICAS_PRIMARY_UNAVAILABLE' })
  for (let i = 0; i < 20; i++) t.match(nodeByPort(pg, (await app.db.read<{ port: number }>(WHO)).rows[0]!.port), /^replica/)
  // Measured against their own receive LSN, the replicas stay in.
  t.same(app.db.status().slice(1).map((s) => s.state), ['up', 'up'])
  // The primary's check fails, but it is not critical: the pod stays ready, reads included.
  t.equal((await app.inject('/readyz')).statusCode, 200)
  await waitUntil(async () => {
    const checks = (await app.inject('/health')).json().checks as Record<string, Array<{ status: string }>>
    return Object.entries(checks).some(([name, [result]]) => name.startsWith('replicas.primary') && result!.status === 'fail')
  }, 'the primary check to fail')
  t.equal((await app.inject('/readyz')).statusCode, 200, 'still ready')
  await pg.start(pg.primary)
  await waitUntil(() => stateOf(app, 'primary') === 'up', 'the primary to return', 15000)
  t.equal(nodeByPort(pg, (await app.db.write<{ port: number }>(WHO)).rows[0]!.port), 'primary')
})

t.test('a hung replica (SIGSTOP) is ejected after failed probes and returns once resumed', async (t) => {
  const app = await build(t, pg, { lag: { pollIntervalMs: 50, probeTimeoutMs: 100 }, slowStartMs: 0, consistency: { mode: 'eventual' } })
  const hung = pg.replicas[1]!
  await pg.pause(hung)
  t.teardown(() => pg.resume(hung))
  await waitUntil(() => stateOf(app, hung.name) === 'down', 'the hung replica to be ejected')
  for (let i = 0; i < 10; i++) t.not(nodeByPort(pg, (await app.db.read<{ port: number }>(WHO)).rows[0]!.port), hung.name)
  await pg.resume(hung)
  await waitUntil(() => stateOf(app, hung.name) === 'up', 'the replica to return', 15000)
})

t.test('a promoted replica is ejected with a warning (last: the cluster stays split)', async (t) => {
  const nodes: unknown[] = []
  const { subscribe, unsubscribe } = await import('node:diagnostics_channel')
  const onNode = (m: unknown): void => { nodes.push(m) }
  subscribe('highload:replicas:node', onNode)
  t.teardown(() => unsubscribe('highload:replicas:node', onNode))
  const app = await build(t, pg, { lag: { pollIntervalMs: 50 }, consistency: { mode: 'eventual' } })
  const promoted = pg.replicas[1]!
  await app.pg[promoted.name]!.query('SELECT pg_promote()')
  await waitUntil(() => stateOf(app, promoted.name) === 'promoted', 'the promotion to be seen')
  t.match(nodes, [{ node: promoted.name, role: 'replica', to: 'promoted', reason: 'promoted' }])
  for (let i = 0; i < 10; i++) t.not(nodeByPort(pg, (await app.db.read<{ port: number }>(WHO)).rows[0]!.port), promoted.name)
})

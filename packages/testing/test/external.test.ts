import t from 'tap'
import type { Test } from 'tap'
import { Redis } from 'ioredis'
import pg from 'pg'
import { codes, startPostgres, startRedis } from '../src/index.js'

function env (t: Test, name: string, value: string): void {
  const saved = process.env[name]
  process.env[name] = value
  t.teardown(() => {
    if (saved === undefined) delete process.env[name]
    else process.env[name] = saved
  })
}

t.test('REDIS_URL is reused, and fault helpers refuse to touch it', async (t) => {
  const real = await startRedis({ reuseExternal: false })
  t.teardown(() => real.close())
  env(t, 'REDIS_URL', real.url)

  const server = await startRedis()
  t.equal(server.external, true)
  t.equal(server.url, real.url)
  t.equal(server.host, '127.0.0.1')
  t.equal(server.port, real.port)
  t.equal(server.pid, undefined)
  t.equal(server.dir, undefined)
  for (const action of ['kill', 'restart', 'pause', 'resume'] as const) {
    await t.rejects(server[action](), { code: codes.EXTERNAL_SERVER, message: `${action}() needs a throwaway server, but this one is reused from REDIS_URL: pass { reuseExternal: false }` })
  }
  await server.close()
  const c = new Redis(server.url, { maxRetriesPerRequest: 0 })
  t.teardown(() => c.disconnect())
  t.equal(await c.ping(), 'PONG', 'close() left the external server running')

  const own = await startRedis({ reuseExternal: false })
  t.teardown(() => own.close())
  t.equal(own.external, false, 'reuseExternal: false starts a throwaway one anyway')
  t.not(own.port, real.port)

  env(t, 'REDIS_URL', 'redis://localhost')
  t.equal((await startRedis()).port, 6379, 'the default port')
})

t.test('DATABASE_URL is reused, without replicas, and fault helpers refuse to touch it', async (t) => {
  const real = await startPostgres({ reuseExternal: false, replicas: 0 })
  t.teardown(() => real.close())
  env(t, 'DATABASE_URL', real.primary.connectionString)

  const cluster = await startPostgres()
  t.equal(cluster.external, true)
  t.equal(cluster.dir, undefined)
  t.same(cluster.replicas, [])
  t.same(cluster.nodes, [cluster.primary])
  t.match(cluster.primary, { name: 'primary', role: 'primary', host: '127.0.0.1', port: real.primary.port, connectionString: real.primary.connectionString, pid: undefined })
  const { primary } = cluster
  const calls = {
    stop: () => cluster.stop(primary),
    start: () => cluster.start(primary),
    pause: () => cluster.pause(primary),
    resume: () => cluster.resume(primary),
    pauseReplay: () => cluster.pauseReplay(primary),
    resumeReplay: () => cluster.resumeReplay(primary),
    waitForCatchUp: () => cluster.waitForCatchUp(primary),
    lag: async () => { await cluster.lag(primary) }
  }
  for (const [action, call] of Object.entries(calls)) {
    await t.rejects(call(), { code: codes.EXTERNAL_SERVER, message: `${action}() needs a throwaway server, but this one is reused from DATABASE_URL: pass { reuseExternal: false }` })
  }
  await cluster.close()
  const c = new pg.Client({ connectionString: cluster.primary.connectionString })
  await c.connect()
  t.teardown(() => c.end())
  t.same((await c.query('SELECT current_database() AS db')).rows, [{ db: 'test' }], 'close() left the external server running')

  env(t, 'DATABASE_URL', 'postgres://someone@db.example')
  t.equal((await startPostgres()).primary.port, 5432, 'the default port')
})

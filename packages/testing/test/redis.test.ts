import t from 'tap'
import { Redis } from 'ioredis'
import { existsSync } from 'node:fs'
import { connect } from 'node:net'
import { startRedis, startRedisServers, codes } from '../src/index.js'
import type { RedisServer } from '../src/index.js'

/** A client that fails fast instead of queueing or reconnecting: the test observes the server as it is. */
function client (server: RedisServer, opts: { commandTimeout?: number } = {}): Redis {
  const c = new Redis({ host: server.host, port: server.port, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: false, ...opts })
  c.on('error', () => {})
  return c
}

/** Resolves with the error code of a raw TCP connect (or 'connected'). */
function tcpConnect (port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1')
    socket.once('connect', () => { socket.destroy(); resolve('connected') })
    socket.once('error', (err: NodeJS.ErrnoException) => resolve(String(err.code)))
  })
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('a throwaway redis: data, pause, kill, restart, close', async (t) => {
  const server = await startRedis({ reuseExternal: false })
  t.teardown(() => server.close())
  t.equal(server.external, false)
  t.equal(server.host, '127.0.0.1')
  t.equal(server.url, `redis://127.0.0.1:${server.port}`)
  t.not(server.port, 6379)

  await t.test('a key set is read back', async (t) => {
    const c = client(server)
    t.teardown(() => c.disconnect())
    await c.connect()
    await c.set('k', 'v')
    t.equal(await c.get('k'), 'v')
  })

  await t.test('paused it times a client out, resumed it answers again', async (t) => {
    const impatient = client(server, { commandTimeout: 300 })
    const patient = client(server, { commandTimeout: 30_000 })
    t.teardown(() => { impatient.disconnect(); patient.disconnect() })
    await Promise.all([impatient.connect(), patient.connect()])
    await server.pause()
    const pending = patient.ping() // sent on a connection the paused server keeps open
    await t.rejects(impatient.ping(), /timed out/i)
    await server.resume()
    t.equal(await pending, 'PONG', 'the kept connection answers after resume')
  })

  await t.test('pause(ms) resumes by itself', async (t) => {
    const c = client(server, { commandTimeout: 5000 })
    t.teardown(() => c.disconnect())
    await c.connect()
    await server.pause(200)
    // answered once the auto-resume fires, well within the command timeout
    t.equal(await c.ping(), 'PONG')
  })

  await t.test('killed it refuses connections, restarted it answers on the same port with empty data', async (t) => {
    const port = server.port
    const oldPid = server.pid as number
    await server.kill()
    t.equal(server.pid, undefined)
    t.notOk(isAlive(oldPid), 'the old process is gone')
    t.equal(await tcpConnect(port), 'ECONNREFUSED')
    await t.rejects(server.pause(), { code: codes.NOT_RUNNING })
    await t.rejects(server.resume(), { code: codes.NOT_RUNNING })
    await server.kill() // already dead: nothing to do

    await server.restart()
    t.equal(server.port, port)
    t.equal(await tcpConnect(port), 'connected')
    t.not(server.pid, oldPid)
    const c2 = client(server)
    t.teardown(() => c2.disconnect())
    await c2.connect()
    t.equal(await c2.get('k'), null, 'no persistence: data is gone')
    await c2.set('k2', 'v2')
    t.equal(await c2.get('k2'), 'v2')
  })

  await t.test('restart() of a running server replaces the process', async (t) => {
    const before = server.pid
    await server.restart()
    t.not(server.pid, before)
    const c = client(server)
    t.teardown(() => c.disconnect())
    await c.connect()
    t.equal(await c.ping(), 'PONG')
  })

  await t.test('close() stops it, removes its dir, is idempotent and ends the helpers', async (t) => {
    const pid = server.pid as number
    const dir = server.dir as string
    t.ok(existsSync(dir))
    await server.close()
    await server.close()
    t.notOk(isAlive(pid))
    t.notOk(existsSync(dir))
    await t.rejects(server.restart(), { code: codes.NOT_RUNNING })
    await t.rejects(server.kill(), { code: codes.NOT_RUNNING })
    await t.rejects(server.pause(), { code: codes.NOT_RUNNING })
  })
})

t.test('N servers are independent', async (t) => {
  const servers = await startRedisServers(2)
  t.teardown(() => Promise.all(servers.map((s) => s.close())))
  const [a, b] = servers as [RedisServer, RedisServer]
  t.not(a.port, b.port)
  const ca = client(a)
  const cb = client(b)
  t.teardown(() => { ca.disconnect(); cb.disconnect() })
  await Promise.all([ca.connect(), cb.connect()])
  await ca.set('shared', 'a')
  t.equal(await cb.get('shared'), null)
  await a.kill()
  t.equal(await cb.ping(), 'PONG', 'killing one leaves the other up')
})

t.test('startRedisServers validates n', async (t) => {
  await t.rejects(startRedisServers(0), { code: codes.INVALID_ARGUMENT })
  await t.rejects(startRedisServers(1.5), { code: codes.INVALID_ARGUMENT })
})

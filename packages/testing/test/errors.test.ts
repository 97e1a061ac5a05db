import t from 'tap'
import type { Test } from 'tap'
import { createServer } from 'node:net'
import type { AddressInfo, Server } from 'node:net'
import { chmodSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { codes, startPostgres, startRedis, startRedisCluster, startRedisServers, TestingError } from '../src/index.js'
import { findOnPath } from '../src/binaries.js'
import { freePort, portSource } from '../src/ports.js'

/** Sets env vars for the duration of the test. */
function env (t: Test, vars: Record<string, string | undefined>): void {
  const saved = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  const apply = (v: Record<string, string | undefined>): void => {
    for (const [k, val] of Object.entries(v)) {
      if (val === undefined) delete process.env[k]
      else process.env[k] = val
    }
  }
  apply(vars)
  t.teardown(() => apply(saved))
}

/** A port something else listens on (it hangs up on every connection). */
async function busyPort (t: Test): Promise<number> {
  const server: Server = createServer((socket) => socket.destroy())
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  return (server.address() as AddressInfo).port
}

/** Makes the harness's port source hand out `ports` first, then free ones. */
function portsFirst (t: Test, ports: number[]): void {
  const original = portSource.next
  portSource.next = async () => ports.shift() ?? original()
  t.teardown(() => { portSource.next = original })
}

t.test('a missing binary fails with one coded line saying what to install', async (t) => {
  env(t, { PATH: '/nonexistent', HL_TESTING_PG_ROOT: '/nonexistent' })
  const redisErr = await startRedis({ reuseExternal: false }).catch((err: unknown) => err) as TestingError
  t.ok(redisErr instanceof TestingError)
  t.equal(redisErr.code, 'HL_TESTING_MISSING_BINARY')
  t.equal(redisErr.message, 'redis-server not found on PATH: install Redis (Debian: apt-get install redis-server)')
  await t.rejects(startRedisServers(2), { code: codes.MISSING_BINARY })
  const pgErr = await startPostgres({ reuseExternal: false }).catch((err: unknown) => err) as TestingError
  t.equal(pgErr.code, codes.MISSING_BINARY)
  t.equal(pgErr.message, 'PostgreSQL server binaries (initdb, postgres, pg_basebackup) not found on PATH or under /nonexistent/*/bin: install PostgreSQL (Debian: apt-get install postgresql)')
  t.notMatch(pgErr.message, /\n/)
})

t.test('redis-cli missing, or failing, for a cluster', async (t) => {
  const bin = mkdtempSync(join(tmpdir(), 'hl-bin-'))
  t.teardown(() => rmSync(bin, { recursive: true, force: true }))
  symlinkSync(findOnPath('redis-server', process.env.PATH ?? '') as string, join(bin, 'redis-server'))
  env(t, { PATH: bin })
  await t.rejects(startRedisCluster(), {
    code: codes.MISSING_BINARY,
    message: 'redis-cli not found on PATH: install the Redis command line tools (Debian: apt-get install redis-tools)'
  })
  writeFileSync(join(bin, 'redis-cli'), '#!/bin/sh\necho "ERR cluster boom" >&2\nexit 1\n')
  chmodSync(join(bin, 'redis-cli'), 0o755)
  await t.rejects(startRedisCluster(), { code: codes.START_FAILED, message: /redis-cli --cluster create exited with 1: ERR cluster boom/ })
})

t.test('root without the postgres OS user fails with a coded line', async (t) => {
  env(t, { HL_TESTING_PG_USER: 'hl-no-such-user' })
  await t.rejects(startPostgres({ reuseExternal: false }), { code: codes.MISSING_USER, message: /OS user 'hl-no-such-user'/ })
})

t.test('invalid arguments', async (t) => {
  await t.rejects(startPostgres({ reuseExternal: false, replicas: -1 }), { code: codes.INVALID_ARGUMENT, message: 'replicas must be an integer >= 0, got -1' })
  await t.rejects(startPostgres({ reuseExternal: false, database: '' }), { code: codes.INVALID_ARGUMENT })
})

t.test('a port taken between choosing and binding: redis retries on another port', async (t) => {
  const taken = await busyPort(t)
  portsFirst(t, [taken])
  const server = await startRedis({ reuseExternal: false })
  t.teardown(() => server.close())
  t.not(server.port, taken)
})

t.test('redis gives up after three taken ports, and startRedisServers closes those that started', async (t) => {
  const taken = await busyPort(t)
  const first = await freePort()
  const original = portSource.next
  let calls = 0
  portSource.next = async () => ++calls === 1 ? first : taken
  t.teardown(() => { portSource.next = original })
  const err = await startRedisServers(2).catch((e: unknown) => e) as TestingError
  t.equal(err.code, codes.START_FAILED)
  t.match(err.message, new RegExp(`redis-server on port ${taken} exited before answering: .*Address already in use`))
  t.equal(calls, 4, 'one port for the first server, three attempts for the second')
})

t.test('postgres retries a taken port; a failed setup closes the cluster', async (t) => {
  const taken = await busyPort(t)
  portsFirst(t, [taken])
  // template1 exists: CREATE DATABASE fails after the primary started on its second port
  await t.rejects(startPostgres({ reuseExternal: false, replicas: 0, database: 'template1' }), /already exists/)
})

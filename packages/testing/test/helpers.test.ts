import t from 'tap'
import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { codes, TestingError } from '../src/index.js'
import { findOnPath, findPgBinaries, findRedisBinaries } from '../src/binaries.js'
import { onFreshPort } from '../src/ports.js'
import { reaperPid, track } from '../src/reaper-client.js'
import { quoteIdent } from '../src/pg-query.js'
import { cleanPgEnv, readTail, run } from '../src/run.js'
import { terminate, waitExit, waitFor } from '../src/wait.js'

t.test('waitExit times out naming what it waited for', async (t) => {
  const child = spawn('sleep', ['30'], { stdio: 'ignore' })
  t.teardown(() => { child.kill('SIGKILL') })
  await t.rejects(waitExit(child, 'the sleeper', 100), { code: codes.TIMEOUT, message: 'timed out after 100 ms waiting for the sleeper to exit' })
  child.kill('SIGKILL')
  await once(child, 'exit')
  await waitExit(child, 'the sleeper', 100) // already exited: resolves at once
})

t.test('waitFor times out with the last failure as cause', async (t) => {
  const boom = new Error('boom')
  const err = await waitFor('the impossible', 100, async () => { throw boom }, { intervalMs: 10 }).catch((e: unknown) => e) as Error
  t.match(err, { code: codes.TIMEOUT, message: 'timed out after 100 ms waiting for the impossible' })
  t.equal(err.cause, boom)
})

t.test('terminate falls back to SIGKILL when the signal is ignored, and is a no-op on an exited process', async (t) => {
  const child = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); console.log('ready'); setInterval(() => {}, 1000)"], { stdio: ['ignore', 'pipe', 'ignore'] })
  t.teardown(() => { child.kill('SIGKILL') })
  await once(child.stdout, 'data')
  await terminate(child, { signal: 'SIGTERM', tree: false, graceMs: 300 })
  t.equal(child.signalCode, 'SIGKILL')
  await terminate(child, { signal: 'SIGTERM', tree: false, graceMs: 300 })
})

t.test('run reports output, failures, time limits and spawn errors', async (t) => {
  t.equal(await run('sh', ['-c', 'echo hi'], { what: 'echo', timeoutMs: 10_000 }), 'hi\n')
  await t.rejects(run('sh', ['-c', 'echo one; echo two >&2; exit 3'], { what: 'the script', timeoutMs: 10_000 }), { code: codes.START_FAILED, message: 'the script exited with 3: one | two' })
  await t.rejects(run('sleep', ['30'], { what: 'sleep', timeoutMs: 100 }), { code: codes.START_FAILED, message: /^sleep was killed after the 100 ms limit/ })
  await t.rejects(run('sh', ['-c', 'kill -TERM $$'], { what: 'the script', timeoutMs: 10_000 }), { code: codes.START_FAILED, message: 'the script exited with SIGTERM: ' })
  await t.rejects(run('/nonexistent/tool', [], { what: 'tool', timeoutMs: 1000 }), { code: codes.START_FAILED, message: /^tool failed: spawn \/nonexistent\/tool ENOENT/ })
})

t.test('small helpers', async (t) => {
  t.equal(readTail('/nonexistent/x.log'), '(no log at /nonexistent/x.log)')
  t.same(cleanPgEnv({ PGPORT: '1', PGDATA: '/x', PATH: '/bin', HOME: '/root' }), { PATH: '/bin', HOME: '/root' })
  t.equal(quoteIdent('we"ird'), '"we""ird"')
  t.throws(() => findRedisBinaries(false, {}), { code: codes.MISSING_BINARY }, 'no PATH at all')
})

t.test('onFreshPort retries only start failures', async (t) => {
  let calls = 0
  await t.rejects(onFreshPort(async () => { calls++; throw new Error('not a start failure') }), /not a start failure/)
  t.equal(calls, 1)
  await t.rejects(onFreshPort(async () => { calls++; throw new TestingError(codes.TIMEOUT, 'slow') }), { code: codes.TIMEOUT })
  t.equal(calls, 2, 'a timeout is not retried either')
})

t.test('a released resource is left alone, and releasing twice is harmless', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-track-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const release = track({ kind: 'dir', path: dir })
  const reaper = reaperPid() as number
  release()
  release()
  t.equal(reaperPid(), undefined)
  // wait (bounded) for the reaper to finish: it read the release, then its stdin closed
  for (let i = 0; i < 300 && existsSync(`/proc/${reaper}`); i++) await new Promise((resolve) => setTimeout(resolve, 50))
  t.notOk(existsSync(`/proc/${reaper}`), 'the reaper exited')
  t.ok(existsSync(dir), 'and did not remove the released dir')
})

t.test('PostgreSQL binaries: one directory holding all three tools, highest version first', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'hl-pgroot-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  const make = (version: string, tools: string[]): void => {
    mkdirSync(join(root, version, 'bin'), { recursive: true })
    for (const tool of tools) {
      writeFileSync(join(root, version, 'bin', tool), '#!/bin/sh\n')
      chmodSync(join(root, version, 'bin', tool), 0o755)
    }
  }
  make('9.6', ['initdb', 'postgres', 'pg_basebackup'])
  make('14', ['initdb', 'postgres', 'pg_basebackup'])
  make('17', ['initdb']) // incomplete: skipped
  mkdirSync(join(root, '16', 'bin', 'postgres'), { recursive: true }) // a directory is not an executable
  t.equal(findPgBinaries({ HL_TESTING_PG_ROOT: root }).binDir, join(root, '14', 'bin'))
  t.equal(findOnPath('postgres', join(root, '16', 'bin')), undefined)
  // initdb found on PATH wins over the version directories
  t.equal(findPgBinaries({ PATH: join(root, '9.6', 'bin'), HL_TESTING_PG_ROOT: root }).pgBasebackup, join(root, '9.6', 'bin', 'pg_basebackup'))
})

import t from 'tap'
import { spawn } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { startPostgres, startRedis } from '../src/index.js'
import { childrenOf } from '../src/procs.js'
import { reaperPid } from '../src/reaper-client.js'

/** Gone means no such process, or a zombie nobody reaped yet (it holds no port, no memory). */
function gone (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z'
  } catch {
    return true
  }
}

/** Polls `cond` every 100 ms, at most `ms`. */
async function eventually (cond: () => boolean, ms = 15_000): Promise<boolean> {
  const deadline = Date.now() + ms
  while (!cond()) {
    if (Date.now() > deadline) return false
    await sleep(100)
  }
  return true
}

interface Report { redisPid: number, redisDir: string, pgPid: number, pgChildren: number[], pgDir: string, reaperPid: number }

t.test('a SIGKILLed test process leaves no server and no temp dir behind', async (t) => {
  const fixture = fileURLToPath(new URL('./fixtures/owner.ts', import.meta.url))
  const child = spawn(process.execPath, [...process.execArgv, fixture], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => { child.kill('SIGKILL') })
  const [line] = await Promise.race([
    createInterface({ input: child.stdout })[Symbol.asyncIterator]().next().then((r) => [r.value as string]),
    sleep(60_000, [undefined], { ref: false })
  ])
  t.ok(line, 'the fixture reported what it started')
  const report = JSON.parse(line as string) as Report
  const pids = [report.redisPid, report.pgPid, ...report.pgChildren]
  t.ok(report.pgChildren.length > 0, 'the postmaster has children (backends, checkpointer, ...)')
  t.notOk(gone(report.redisPid), 'redis runs before the kill')
  t.notOk(gone(report.pgPid), 'the postmaster runs before the kill')
  // short-lived backends may exit on their own between the report and this check
  t.ok(report.pgChildren.some((pid) => !gone(pid)), 'postmaster children run before the kill')
  t.ok(existsSync(report.redisDir) && existsSync(report.pgDir))

  child.kill('SIGKILL')
  t.ok(await eventually(() => pids.every(gone)), 'every server process is gone')
  t.ok(await eventually(() => !existsSync(report.redisDir) && !existsSync(report.pgDir)), 'the temp dirs are removed')
  t.ok(await eventually(() => gone(report.reaperPid)), 'the reaper exits when done')
})

t.test('after close() the processes are gone, the dirs removed and the reaper exits', async (t) => {
  const redis = await startRedis({ reuseExternal: false })
  const pg = await startPostgres({ reuseExternal: false, replicas: 0 })
  const reaper = reaperPid() as number
  t.ok(reaper > 0, 'a reaper watches this process')
  const pids = [redis.pid as number, ...pg.nodes.flatMap((n) => [n.pid as number, ...childrenOf(n.pid as number)])]
  const dirs = [redis.dir as string, pg.dir as string]
  await pg.pause(pg.primary) // closing a paused node works too
  await Promise.all([redis.close(), pg.close()])
  t.ok(pids.every(gone), 'every server process is gone')
  t.ok(dirs.every((d) => !existsSync(d)), 'the temp dirs are removed')
  t.equal(reaperPid(), undefined, 'nothing held: the reaper was let go')
  t.ok(await eventually(() => gone(reaper)), 'and it exited')
})

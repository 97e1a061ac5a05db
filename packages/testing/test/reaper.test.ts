import t from 'tap'
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import type { Resource } from '../src/resources.js'

const reaperScript = fileURLToPath(new URL('../src/reaper.ts', import.meta.url))

function gone (pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z'
  } catch {
    return true
  }
}

/** A long sleeping process standing in for a server. */
function sleeper (t: Test): ChildProcess {
  const child = spawn('sleep', ['60'], { stdio: 'ignore' })
  t.teardown(() => { child.kill('SIGKILL') })
  return child
}

/** A shell whose two `sleep` children stand in for a postmaster's backends. */
async function parentOfTwo (t: Test): Promise<{ parent: ChildProcess, kids: number[] }> {
  const parent = spawn('sh', ['-c', 'sleep 60 & echo $!; sleep 60 & echo $!; wait'], { stdio: ['ignore', 'pipe', 'ignore'] })
  const lines = createInterface({ input: parent.stdout as NodeJS.ReadableStream })[Symbol.asyncIterator]()
  const kids = [Number((await lines.next()).value), Number((await lines.next()).value)]
  t.teardown(() => { for (const pid of [parent.pid as number, ...kids]) { try { process.kill(pid, 'SIGKILL') } catch {} } })
  return { parent, kids }
}

function startReaper (t: Test): { reaper: ChildProcess, send: (msg: unknown) => void, acked: (n: number) => Promise<void> } {
  const reaper = spawn(process.execPath, [...process.execArgv, reaperScript], { stdio: ['pipe', 'pipe', 'inherit'] })
  t.teardown(() => { reaper.kill('SIGKILL') })
  const acks = createInterface({ input: reaper.stdout as NodeJS.ReadableStream })
  let count = 0
  const waiters: Array<() => void> = []
  acks.on('line', () => { count++; for (const w of waiters.splice(0)) w() })
  return {
    reaper,
    send: (msg) => { reaper.stdin?.write((typeof msg === 'string' ? msg : JSON.stringify(msg)) + '\n') },
    acked: (n) => new Promise<void>((resolve) => {
      const check = (): void => { if (count >= n) resolve(); else waiters.push(check) }
      check()
    })
  }
}

t.test('when its stdin closes it kills what it holds, removes dirs, and spares what was released', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'hl-reaper-test-'))
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }))

  const plain = sleeper(t)
  const stopped = sleeper(t)
  process.kill(stopped.pid as number, 'SIGSTOP')
  const released = sleeper(t)
  const { parent, kids } = await parentOfTwo(t)

  // a data dir whose postmaster.pid names a live process (a short file, as while the postmaster starts)
  const pgPid = sleeper(t)
  const pgData = join(scratch, 'pgdata')
  mkdirSync(pgData)
  writeFileSync(join(pgData, 'postmaster.pid'), `${pgPid.pid}\n`)
  // a data dir with no postmaster.pid (server not running), and one with a garbage pid
  const idleData = join(scratch, 'idle')
  mkdirSync(idleData)
  const garbageData = join(scratch, 'garbage')
  mkdirSync(garbageData)
  writeFileSync(join(garbageData, 'postmaster.pid'), '\n')
  const dir = join(scratch, 'dir')
  mkdirSync(join(dir, 'nested'), { recursive: true })
  writeFileSync(join(dir, 'nested', 'file'), 'x')

  const { reaper, send, acked } = startReaper(t)
  const resources: Resource[] = [
    { kind: 'proc', pid: plain.pid as number, tree: false },
    { kind: 'proc', pid: stopped.pid as number, tree: false },
    { kind: 'proc', pid: released.pid as number, tree: false },
    { kind: 'proc', pid: parent.pid as number, tree: true },
    { kind: 'pgdata', dir: pgData },
    { kind: 'pgdata', dir: idleData },
    { kind: 'pgdata', dir: garbageData },
    { kind: 'dir', path: dir }
  ]
  resources.forEach((resource, i) => send({ op: 'add', id: i + 1, resource }))
  send({ op: 'del', id: 3 })
  send('{"op":"add","id":99,"reso') // a line cut short by a dying owner is ignored
  await acked(resources.length + 1)
  t.notOk(gone(plain.pid as number), 'nothing is killed while the owner lives')

  const exited = once(reaper, 'exit')
  reaper.stdin?.end()
  const [code] = await exited
  t.equal(code, 0)
  for (const pid of [plain.pid, stopped.pid, parent.pid, ...kids, pgPid.pid] as number[]) t.ok(gone(pid), `pid ${pid} killed`)
  t.notOk(gone(released.pid as number), 'a released process is left alone')
  t.notOk(existsSync(dir), 'dir removed')
  t.ok(existsSync(idleData), 'a pgdata resource is not a dir to remove')
})

t.test('SIGTERM makes it clean up and exit too', async (t) => {
  const scratch = mkdtempSync(join(tmpdir(), 'hl-reaper-test-'))
  t.teardown(() => rmSync(scratch, { recursive: true, force: true }))
  const { reaper, send, acked } = startReaper(t)
  send({ op: 'add', id: 1, resource: { kind: 'dir', path: scratch } })
  await acked(1)
  const exited = once(reaper, 'exit')
  reaper.kill('SIGTERM')
  const [code] = await exited
  t.equal(code, 0)
  t.notOk(existsSync(scratch))
})

import t, { type Test } from 'tap'
import { spawn, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { childrenOf, signalTree } from '../src/procs.js'

// A /proc look-alike, so the parsing and the "process exited while we looked" path are checked
// deterministically rather than whenever a live race happens to hit them.
function fakeProc (t: Test, entries: Record<string, string | null>): string {
  const root = mkdtempSync(join(tmpdir(), 'hl-proc-'))
  t.teardown(() => rmSync(root, { recursive: true, force: true }))
  for (const [name, stat] of Object.entries(entries)) {
    mkdirSync(join(root, name))
    if (stat !== null) writeFileSync(join(root, name, 'stat'), stat)
  }
  return root
}

t.test('finds direct children by ppid, whatever the command name holds', async (t) => {
  const root = fakeProc(t, {
    100: '100 (postgres) S 1 100 100 0',
    101: '101 (postgres: checkpointer ) S 100 100 100 0',
    102: '102 (weird) name (x)) R 100 102 102 0',
    103: '103 (other) S 7 103 103 0',
    104: null, // exited between readdir and read: no stat file
    self: '1 (not a pid) S 100 1 1 0'
  })
  t.same(childrenOf(100, root).sort(), [101, 102])
  t.same(childrenOf(7, root), [103])
  t.same(childrenOf(5, root), [])
})

t.test('the live /proc lists a child this process spawned', async (t) => {
  const child = spawn('sleep', ['30'])
  t.teardown(() => { child.kill('SIGKILL') })
  t.ok(childrenOf(process.pid).includes(child.pid as number))
})

// The orphaned child is reaped by whoever adopts it, perhaps late: until then it is a zombie (state Z),
// which is dead even though kill(pid, 0) still finds it.
async function diesWithin (pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    let state: string | undefined
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
      state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0]
    } catch {
      return true
    }
    if (state === 'Z' || state === 'X') return true
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  return false
}

t.test('signalTree signals the process and its children, and ignores what is already gone', async (t) => {
  // A shell with one child: with tree, both get the signal.
  const parent = spawn('sh', ['-c', 'sleep 30 & wait'])
  t.teardown(() => { parent.kill('SIGKILL') })
  const deadline = Date.now() + 5000
  let children: number[] = []
  while (children.length === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    children = childrenOf(parent.pid as number)
  }
  t.equal(children.length, 1, 'the shell has started its sleep')
  const exited = new Promise((resolve) => parent.once('exit', (_code, signal) => resolve(signal)))
  signalTree(parent.pid as number, 'SIGKILL', true)
  t.equal(await exited, 'SIGKILL')
  t.ok(await diesWithin(children[0] as number, 5000), 'the child was killed too')

  // A pid that has exited and been reaped: the ESRCH is swallowed, not thrown.
  const gone = spawnSync('true').pid
  t.doesNotThrow(() => signalTree(gone, 'SIGTERM', true))
  t.doesNotThrow(() => signalTree(gone, 'SIGTERM', false))
  // 0 and 1 would mean our own process group and init: never signalled.
  t.doesNotThrow(() => signalTree(0, 'SIGCONT', false))
  t.doesNotThrow(() => signalTree(1, 'SIGCONT', false))
})

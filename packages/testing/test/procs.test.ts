import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { childrenOf } from '../src/procs.js'

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

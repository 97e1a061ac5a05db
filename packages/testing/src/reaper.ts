/**
 * The reaper: a small detached process, one per test process, that outlives it. The owner writes
 * what it holds (newline-delimited JSON on stdin) and takes it back when it releases it. When stdin
 * closes (the owner died, even by SIGKILL, or released everything) the reaper kills the processes
 * that remain, removes the directories that remain, and exits.
 */
import { readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { createInterface } from 'node:readline'
import { signalTree } from './procs.js'
import type { ReaperMessage, Resource } from './resources.js'

const held = new Map<number, Resource>()

function kill (pid: number, tree: boolean): void {
  // SIGKILL works on a stopped (SIGSTOP) process too, but CONT first leaves nothing half-paused.
  signalTree(pid, 'SIGCONT', tree)
  signalTree(pid, 'SIGKILL', tree)
}

/** postmaster.pid line 1 is the pid, line 7 "<shm key> <shm id>" the System V segment it leaves behind when killed. */
function killPostgres (dataDir: string): void {
  let lines: string[]
  try {
    lines = readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')
  } catch {
    return // not running
  }
  kill(Number(lines[0]), true)
  const shmId = (lines[6] ?? '').trim().split(/\s+/)[1]
  if (shmId) spawnSync('ipcrm', ['-m', shmId], { stdio: 'ignore' })
}

function reap (resources: Iterable<Resource>): void {
  const all = [...resources]
  for (const r of all) {
    if (r.kind === 'proc') kill(r.pid, r.tree)
    else if (r.kind === 'pgdata') killPostgres(r.dir)
  }
  for (const r of all) {
    if (r.kind === 'dir') rmSync(r.path, { recursive: true, force: true, maxRetries: 5 })
  }
}

function onLine (line: string): void {
  let msg: ReaperMessage
  try {
    msg = JSON.parse(line) as ReaperMessage
  } catch {
    return // a line cut short by the owner's death
  }
  if (msg.op === 'add') held.set(msg.id, msg.resource)
  else held.delete(msg.id)
  // The owner ignores this; tests use it to know a message was taken in.
  process.stdout.write(`${msg.op} ${msg.id}\n`)
}

function finish (): void {
  reap(held.values())
  held.clear()
  process.exit(0)
}

createInterface({ input: process.stdin }).on('line', onLine).on('close', finish)
for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(sig, finish)

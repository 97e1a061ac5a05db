import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { Socket } from 'node:net'
import { ignore } from './errors.js'
import type { Resource } from './resources.js'

let reaper: { child: ChildProcess, stdin: Socket } | undefined
let nextId = 1
const held = new Set<number>()

/** The reaper script next to this module: dist/reaper.js when built, src/reaper.ts under the test loader. */
function reaperCommand (): string[] {
  const js = fileURLToPath(new URL('./reaper.js', import.meta.url))
  /* c8 ignore next -- only the built package has reaper.js; tests run the TypeScript source through tap's loader */
  if (existsSync(js)) return [js]
  return [...process.execArgv, fileURLToPath(new URL('./reaper.ts', import.meta.url))]
}

function ensureReaper (): Socket {
  if (reaper) return reaper.stdin
  // Detached: its own session, so signals aimed at our process group do not kill it before it cleans up.
  const child = spawn(process.execPath, reaperCommand(), { detached: true, stdio: ['pipe', 'ignore', 'ignore'] })
  child.on('error', ignore)
  const stdin = child.stdin as Socket
  stdin.on('error', ignore)
  // Neither the reaper nor the pipe to it may keep the owner's event loop alive.
  child.unref()
  stdin.unref()
  reaper = { child, stdin }
  return stdin
}

/** The running reaper's pid, if any (tests use it to watch it exit). */
export function reaperPid (): number | undefined {
  return reaper?.child.pid
}

/**
 * Hands `resource` to the reaper (spawned lazily, one per process). The returned function takes it
 * back; it is idempotent. When nothing is held any more the reaper's stdin is closed and it exits.
 */
export function track (resource: Resource): () => void {
  const id = nextId++
  held.add(id)
  ensureReaper().write(JSON.stringify({ op: 'add', id, resource }) + '\n')
  return () => {
    if (!held.delete(id)) return
    const stdin = ensureReaper()
    stdin.write(JSON.stringify({ op: 'del', id }) + '\n')
    if (held.size === 0) {
      stdin.end()
      reaper = undefined
    }
  }
}

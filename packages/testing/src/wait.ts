import { setTimeout as sleep } from 'node:timers/promises'
import type { ChildProcess } from 'node:child_process'
import { TestingError, codes, ignore } from './errors.js'
import { signalTree } from './procs.js'

export interface WaitOptions {
  /** Pause between two checks. */
  intervalMs?: number
  /** Checked before every attempt: returning an error stops the wait with it (e.g. the server process died). */
  failFast?: () => Error | undefined
}

/**
 * Polls `check` until it returns true, at most `timeoutMs`. A check that throws counts as "not yet";
 * the last such error becomes the timeout error's `cause`. `what` names the awaited condition.
 */
export async function waitFor (what: string, timeoutMs: number, check: () => Promise<boolean>, opts: WaitOptions = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs
  let lastError: unknown
  for (;;) {
    const fatal = opts.failFast?.()
    if (fatal) throw fatal
    try {
      if (await check()) return
    } catch (err) {
      lastError = err
    }
    if (Date.now() >= deadline) {
      throw new TestingError(codes.TIMEOUT, `timed out after ${timeoutMs} ms waiting for ${what}`, { cause: lastError })
    }
    await sleep(opts.intervalMs ?? 50)
  }
}

export function hasExited (child: ChildProcess): boolean {
  return child.exitCode !== null || child.signalCode !== null
}

/** Resolves when `child` has exited (and was reaped), or fails with a timeout error naming `what`. */
export function waitExit (child: ChildProcess, what: string, timeoutMs: number): Promise<void> {
  if (hasExited(child)) return Promise.resolve()
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.off('exit', onExit)
      reject(new TestingError(codes.TIMEOUT, `timed out after ${timeoutMs} ms waiting for ${what} to exit`))
    }, timeoutMs)
    function onExit (): void {
      clearTimeout(timer)
      resolve()
    }
    child.once('exit', onExit)
  })
}

/**
 * Stops `child` (with `tree`, its children too) for good: SIGCONT (a paused process cannot act on
 * signals), then `sig`; if it has not
 * exited within `graceMs`, SIGKILL. Never rejects.
 */
export async function terminate (child: ChildProcess, opts: { signal: NodeJS.Signals, tree: boolean, graceMs: number }): Promise<void> {
  const pid = child.pid as number
  if (hasExited(child)) return
  signalTree(pid, 'SIGCONT', opts.tree)
  signalTree(pid, opts.signal, opts.tree)
  try {
    await waitExit(child, 'process', opts.graceMs)
  } catch {
    signalTree(pid, 'SIGKILL', opts.tree)
    await waitExit(child, 'process', opts.graceMs).catch(ignore)
  }
}

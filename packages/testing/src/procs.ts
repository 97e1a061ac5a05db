import { existsSync, readFileSync, readdirSync } from 'node:fs'

/**
 * Direct children of `pid`, from /proc (Linux). PostgreSQL backends call setsid(), so they are not
 * in the postmaster's process group: signalling the group would miss them.
 */
export function childrenOf (pid: number, procRoot = '/proc'): number[] {
  /* c8 ignore next -- without /proc (not Linux) only the postmaster itself is signalled */
  if (!existsSync(procRoot)) return []
  const children: number[] = []
  for (const entry of readdirSync(procRoot)) {
    if (!/^\d+$/.test(entry)) continue
    try {
      // "pid (comm) state ppid ...": comm may contain spaces or parentheses, so parse after the last ')'.
      const stat = readFileSync(`${procRoot}/${entry}/stat`, 'utf8')
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]) === pid) children.push(Number(entry))
    } catch {
      // exited while we looked
    }
  }
  return children
}

/** Sends `sig` to `pid` (and, with `tree`, to its direct children), ignoring processes already gone. */
export function signalTree (pid: number, sig: NodeJS.Signals, tree: boolean): void {
  // pid 0 or 1 would signal our own process group or init
  if (!(pid > 1)) return
  const children = tree ? childrenOf(pid) : []
  for (const target of [pid, ...children]) {
    try {
      process.kill(target, sig)
    } catch {
      // already gone
    }
  }
}

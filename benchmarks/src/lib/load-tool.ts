// Which load generator a run uses. The committed figures use wrk (Debian's package): on a fresh
// machine, a root user with apt-get gets it installed; anyone else gets one line saying how to
// install it, and the run falls back to autocannon with that fallback written into every report.
import type { ToolChoice } from './options.js'

export type Tool = 'autocannon' | 'wrk'

/** What the decision depends on; the real values come from `systemToolHost()` in src/http/load.ts. */
export interface ToolFacts {
  wrkOnPath: boolean
  root: boolean
  aptGet: boolean
  platform: NodeJS.Platform
  /** `--no-install` turns this off. */
  mayInstall: boolean
}

export type ToolDecision =
  | { action: 'use', tool: Tool }
  | { action: 'install' }
  | { action: 'fallback', note: string }
  | { action: 'fail', message: string }

/** One line saying how to get wrk on this machine. */
export function installHint (facts: Pick<ToolFacts, 'root' | 'aptGet' | 'platform'>): string {
  if (facts.aptGet) return `${facts.root ? '' : 'sudo '}apt-get install wrk`
  if (facts.platform === 'darwin') return 'brew install wrk'
  return 'install wrk with your package manager (https://github.com/wg/wrk)'
}

/** The report's note when autocannon stands in for wrk. */
function fallbackNote (why: string, hint: string): string {
  return `${why}, so autocannon measured this run (its figures are not comparable with wrk runs); to use wrk: ${hint}`
}

type FinalDecision = Exclude<ToolDecision, { action: 'install' }>

/** The decision before anything is installed. */
export function decideTool (choice: ToolChoice, facts: ToolFacts): ToolDecision {
  if (choice === 'autocannon') return { action: 'use', tool: 'autocannon' }
  if (facts.wrkOnPath) return { action: 'use', tool: 'wrk' }
  if (facts.mayInstall && facts.root && facts.aptGet) return { action: 'install' }
  const hint = installHint(facts)
  if (choice === 'wrk') return { action: 'fail', message: `--tool wrk: wrk is not on PATH; ${hint}` }
  return { action: 'fallback', note: fallbackNote('wrk is not installed', hint) }
}

/** The decision once `apt-get install wrk` has run: wrk if it is now on PATH, else as without it. */
export function decideAfterInstall (choice: ToolChoice, wrkOnPath: boolean): FinalDecision {
  if (wrkOnPath) return { action: 'use', tool: 'wrk' }
  const why = '`apt-get install wrk` did not install wrk (its output is above)'
  if (choice === 'wrk') return { action: 'fail', message: `--tool wrk: ${why}` }
  return { action: 'fallback', note: fallbackNote(why, 'apt-get install wrk') }
}

/** What resolving the tool needs from the machine. */
export interface ToolHost {
  facts: () => ToolFacts
  /** Runs apt-get (update, then install wrk); resolves false when it fails. */
  installWrk: () => Promise<boolean>
  log: (line: string) => void
}

export interface ResolvedTool {
  tool: Tool
  /** Why the run is not using wrk, for the report's header; null when it uses what was asked for. */
  note: string | null
}

/** Decides, installs wrk when that is the decision, and says what it did on the log. */
export async function resolveLoadTool (choice: ToolChoice, host: ToolHost): Promise<ResolvedTool> {
  const first = decideTool(choice, host.facts())
  let decision: FinalDecision
  if (first.action === 'install') {
    host.log('wrk is not installed; installing it with apt-get (--no-install skips this and uses autocannon)')
    const ok = await host.installWrk()
    decision = decideAfterInstall(choice, ok && host.facts().wrkOnPath)
  } else {
    decision = first
  }
  switch (decision.action) {
    case 'use': return { tool: decision.tool, note: null }
    case 'fail': throw new Error(decision.message)
    case 'fallback':
      host.log(decision.note)
      return { tool: 'autocannon', note: decision.note }
  }
}

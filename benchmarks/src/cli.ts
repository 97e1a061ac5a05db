// `pnpm bench [name...] [--list] [options]`: see `usage` in lib/options.ts.
import { httpMarkdown } from './http/report.js'
import { pin, pinning } from './lib/affinity.js'
import { systemToolHost } from './http/load.js'
import { runHttpScenario } from './http/runner.js'
import { killAll } from './lib/children.js'
import { catalog, loadHttpScenario, loadMicroSuite, type Catalog, type Kind } from './lib/discover.js'
import { resolveLoadTool, type ResolvedTool } from './lib/load-tool.js'
import { machineInfo } from './lib/machine.js'
import { microMarkdown } from './lib/micro-report.js'
import { runMicroSuite } from './lib/micro-runner.js'
import { parseOptions, usage, UsageError } from './lib/options.js'
import { writeResults } from './lib/results.js'

function err (line: string): void {
  process.stderr.write(line + '\n')
}

async function list (cat: Catalog): Promise<void> {
  for (const name of cat.http) {
    const s = await loadHttpScenario(name)
    console.log(`http   ${name.padEnd(28)} ${s.baseline.label} vs ${s.candidate.label}`)
  }
  for (const name of cat.micro) {
    const s = await loadMicroSuite(name)
    console.log(`micro  ${name.padEnd(28)} ${s.description}`)
  }
}

function select (cat: Catalog, names: string[]): Array<{ kind: Kind, name: string }> {
  if (names.length === 0) {
    return [...cat.http.map((name) => ({ kind: 'http' as const, name })), ...cat.micro.map((name) => ({ kind: 'micro' as const, name }))]
  }
  return names.map((name) => {
    if (cat.http.includes(name)) return { kind: 'http' as const, name }
    if (cat.micro.includes(name)) return { kind: 'micro' as const, name }
    throw new UsageError(`unknown scenario or suite "${name}"; available: ${[...cat.http, ...cat.micro].join(', ')}`)
  })
}

async function main (): Promise<number> {
  const opts = parseOptions(process.argv.slice(2), process.env)
  if (opts.help) {
    console.log(usage)
    return 0
  }
  const cat = catalog()
  if (opts.list) {
    await list(cat)
    return 0
  }
  const todo = select(cat, opts.names)
  const machine = machineInfo()
  if (pinning !== null) pin(process.pid, pinning.load)
  const started = performance.now()
  const failed: string[] = []
  // Once per run, before any server starts: wrk, installed if need be, or autocannon with a note.
  let loadTool: ResolvedTool | null = null
  if (todo.some((t) => t.kind === 'http')) loadTool = await resolveLoadTool(opts.http.tool, systemToolHost(opts.http.install))
  for (const { kind, name } of todo) {
    let markdown: string
    let report: unknown
    if (kind === 'http') {
      const r = await runHttpScenario(name, opts.http, loadTool as ResolvedTool, machine)
      if (r.target?.pass === false) failed.push(`${name}: ratio ${r.ratio} < ${r.target.minRatio}`)
      markdown = httpMarkdown(r)
      report = r
    } else {
      const r = await runMicroSuite(name, opts.micro, machine)
      for (const t of r.tasks) {
        if (t.target?.pass === false) failed.push(`${name} / ${t.name}: +${t.overheadNs} ns > ${t.target.maxOverheadNs} ns`)
      }
      markdown = microMarkdown(r)
      report = r
    }
    console.log(markdown)
    err(`  wrote ${writeResults(name, report, markdown, opts.scratch).join(', ')}`)
  }
  err(`\n${todo.length} run(s) in ${((performance.now() - started) / 1000).toFixed(1)} s` +
    (failed.length === 0 ? '' : `; targets missed:\n  ${failed.join('\n  ')}`))
  return failed.length > 0 && opts.strict ? 1 : 0
}

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAll()
    process.exit(130)
  })
}

main().then((code) => {
  process.exitCode = code
}, (e: unknown) => {
  killAll()
  err(e instanceof UsageError ? `${e.message}\n\n${usage}` : e instanceof Error ? (e.stack ?? e.message) : String(e))
  process.exitCode = e instanceof UsageError ? 2 : 1
})

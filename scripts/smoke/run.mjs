// Compiles the scratch app's TypeScript entries (one tsc run per tsconfig), runs every entry with
// node, and prints one line per package: the modes that passed, and under it each failure's output.
// Exits 1 if any package or mode failed. Usage: node run.mjs <scratch-dir>
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { join } from 'node:path'

const scratch = process.argv[2]
const cases = JSON.parse(readFileSync(join(scratch, 'cases.json'), 'utf8'))
const RUN_TIMEOUT_MS = 60_000 // generous: a load and one register take well under a second

/** Runs a command in the scratch app: its exit code and its stdout and stderr, interleaved. */
function exec (command, args, timeoutMs) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd: scratch, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => { output += chunk })
    child.stderr.on('data', (chunk) => { output += chunk })
    const timer = timeoutMs === undefined
      ? undefined
      : setTimeout(() => { output += `\n(killed after ${timeoutMs} ms: did something keep the process alive?)`; child.kill('SIGKILL') }, timeoutMs)
    child.on('close', (code) => { clearTimeout(timer); resolve({ code, output }) })
  })
}

/**
 * Compiles one tsconfig and splits tsc's diagnostics by owner: an entry file's errors belong to
 * that package and mode, errors in a package's own declarations to every mode the tsconfig
 * compiles for it, and any other error to nobody (it fails the whole check).
 */
async function compile (tsconfig, failures, general) {
  const owned = cases.flatMap((c) => Object.entries(c.runs ?? {})
    .filter(([, r]) => r.tsconfig === tsconfig)
    .map(([mode, r]) => ({ name: c.name, mode, source: r.source })))
  if (owned.length === 0) return
  const { code, output } = await exec(join(scratch, 'node_modules', '.bin', 'tsc'), ['-p', tsconfig, '--pretty', 'false'])
  if (code === 0) return
  const diagnostics = []
  for (const line of output.split('\n')) {
    if (line.trim() === '') continue
    if (/^\s/.test(line) && diagnostics.length > 0) diagnostics[diagnostics.length - 1] += `\n${line}`
    else diagnostics.push(line)
  }
  for (const diagnostic of diagnostics) {
    const file = /^(.+?)\(\d+,\d+\): error/.exec(diagnostic)?.[1]
    const owners = owned.filter((o) => file === o.source || file?.startsWith(`node_modules/${o.name}/`))
    if (owners.length === 0) general.push(`tsc -p ${tsconfig}: ${diagnostic}`)
    for (const { name, mode } of owners) (failures[`${name} ${mode}`] ??= []).push(`tsc: ${diagnostic}`)
  }
}

/** Runs fn over items, `limit` at a time. */
async function pool (items, limit, fn) {
  const queue = [...items]
  const worker = async () => { while (queue.length > 0) await fn(queue.shift()) }
  await Promise.all(Array.from({ length: limit }, worker))
}

const failures = {}
const general = []
await Promise.all(['tsconfig.nodenext.json', 'tsconfig.bundler.json'].map((tsconfig) => compile(tsconfig, failures, general)))

const jobs = cases.flatMap((c) => Object.entries(c.runs ?? {}).map(([mode, r]) => ({ name: c.name, mode, file: r.run })))
await pool(jobs, Math.min(4, availableParallelism()), async ({ name, mode, file }) => {
  const { code, output } = await exec(process.execPath, [file], RUN_TIMEOUT_MS)
  if (code !== 0) (failures[`${name} ${mode}`] ??= []).push(`node ${file} exited with ${code}:\n${output.trimEnd()}`)
})

const MAX_LINES = 30
function indent (text) {
  const lines = text.split('\n')
  const shown = lines.slice(0, MAX_LINES).map((line) => `       ${line}`)
  if (lines.length > MAX_LINES) shown.push(`       (${lines.length - MAX_LINES} more lines)`)
  return shown.join('\n')
}
const width = Math.max(...cases.map((c) => c.name.length))
let failed = general.length > 0
for (const c of cases) {
  const modes = Object.keys(c.runs ?? {})
  const bad = modes.filter((mode) => failures[`${c.name} ${mode}`] !== undefined)
  const ok = c.errors.length === 0 && bad.length === 0
  failed ||= !ok
  const summary = modes.length === 0
    ? 'cannot be loaded'
    : `${modes.map((m) => (bad.includes(m) ? `${m} FAIL` : m)).join(' | ')}  (${c.plugin ? 'plugin registered' : 'library'})`
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${c.name.padEnd(width)}  ${summary}`)
  for (const error of c.errors) console.log(indent(error))
  for (const mode of bad) console.log(`     ${mode}:\n${indent(failures[`${c.name} ${mode}`].join('\n'))}`)
}
for (const message of general) console.log(`FAIL ${indent(message).trimStart()}`)
process.exitCode = failed ? 1 : 0

// Running the load generators (wrk, autocannon) and finding wrk on this machine. What can be
// tested without running them lives in wrk-output.ts, wrk-script.ts and lib/load-tool.ts.
import { execFile, spawn } from 'node:child_process'
import { accessSync, constants, rmSync, writeFileSync } from 'node:fs'
import { delimiter, join } from 'node:path'
import autocannon from 'autocannon'
import type { Tool, ToolHost } from '../lib/load-tool.js'
import { installedVersion } from '../lib/machine.js'
import { requestList } from './requests.js'
import type { HttpRequestSpec, HttpScenario } from './types.js'
import { parseWrk, type LoadResult } from './wrk-output.js'
import { needsWrkScript, wrkScript } from './wrk-script.js'

export interface LoadSettings {
  tool: Tool
  origin: string
  request: HttpScenario['request']
  connections: number
  pipelining: number
  durationSec: number
  threads: number
  /** Path prefix for wrk's Lua script, inside results/ and git-ignored (`*.scratch.*`). */
  scratchBase: string
}

function onPath (bin: string): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (dir === '') continue
    try {
      accessSync(join(dir, bin), constants.X_OK)
      return true
    } catch {}
  }
  return false
}

/** Runs a command with its output on our stderr (apt-get's progress is worth seeing); true on exit 0. */
function run (cmd: string, args: string[]): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } })
    child.once('error', () => resolve(false))
    child.once('exit', (code) => resolve(code === 0))
  })
}

/** The machine as `resolveLoadTool()` sees it. */
export function systemToolHost (mayInstall: boolean): ToolHost {
  return {
    facts: () => ({
      wrkOnPath: onPath('wrk'),
      root: process.getuid?.() === 0,
      aptGet: onPath('apt-get'),
      platform: process.platform,
      mayInstall
    }),
    // A fresh container has no package lists, so update first.
    installWrk: async () => await run('apt-get', ['update', '-qq']) && await run('apt-get', ['install', '-y', '-qq', '--no-install-recommends', 'wrk']),
    log: (line) => process.stderr.write(line + '\n')
  }
}

export function toolVersion (tool: Tool): Promise<string> {
  if (tool === 'autocannon') return Promise.resolve(`autocannon ${installedVersion('autocannon') ?? '?'}`)
  // `wrk -v` prints its banner and exits non-zero.
  return new Promise((resolve) => {
    execFile('wrk', ['-v'], (_err, stdout, stderr) => {
      resolve((stdout + stderr).split('\n')[0]?.replace(/\s*Copyright.*$/, '').trim() || 'wrk')
    })
  })
}

export function runLoad (s: LoadSettings): Promise<LoadResult> {
  return s.tool === 'wrk' ? runWrk(s) : runAutocannon(s)
}

function autocannonRequest (q: HttpRequestSpec): autocannon.Request {
  return { method: (q.method ?? 'GET') as autocannon.Request['method'], headers: q.headers ?? {}, ...(q.body === undefined ? {} : { body: q.body }) }
}

async function runAutocannon (s: LoadSettings): Promise<LoadResult> {
  const list = requestList(s.request)
  const r = await autocannon({
    url: s.origin + (list[0] as HttpRequestSpec).path,
    connections: s.connections,
    pipelining: s.pipelining,
    duration: s.durationSec,
    // One request, or a mix that each connection sends in turn.
    ...(list.length === 1 ? autocannonRequest(list[0] as HttpRequestSpec) : { requests: list.map((q) => ({ path: q.path, ...autocannonRequest(q) })) })
  })
  return {
    // Mean of autocannon's per-second samples, the figure its own table prints as "Req/Sec Avg".
    requestsPerSec: r.requests.average,
    // autocannon records latency in whole milliseconds.
    latencyP50Ms: r.latency.p50,
    latencyP99Ms: r.latency.p99,
    latencyMeanMs: r.latency.average,
    requests: r.requests.total,
    durationSec: r.duration,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts
  }
}

async function runWrk (s: LoadSettings): Promise<LoadResult> {
  const needsScript = needsWrkScript(s.request, s.pipelining)
  const script = `${s.scratchBase}.scratch.lua`
  // wrk takes whole seconds.
  const args = [`-t${s.threads}`, `-c${s.connections}`, `-d${Math.max(1, Math.round(s.durationSec))}s`, '--latency']
  if (needsScript) {
    writeFileSync(script, wrkScript(s.request, s.pipelining, new URL(s.origin).host))
    args.push('-s', script)
  }
  args.push(s.origin + (requestList(s.request)[0] as HttpRequestSpec).path)
  try {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, out, errOut) => {
        if (err !== null) reject(new Error(`wrk failed: ${err.message}\n${errOut}`))
        else resolve(out)
      })
    })
    return parseWrk(stdout)
  } finally {
    if (needsScript) rmSync(script, { force: true })
  }
}

import { join } from 'node:path'
import { pinning } from '../lib/affinity.js'
import type { CpuSample } from '../lib/cpu-time.js'
import { loadHttpScenario } from '../lib/discover.js'
import { loadAvg, type MachineInfo, type ReportHeader } from '../lib/machine.js'
import type { ResolvedTool } from '../lib/load-tool.js'
import type { HttpOptions, HttpOrder } from '../lib/options.js'
import { resultsDir } from '../lib/paths.js'
import { round } from '../lib/stats.js'
import { runLoad, toolVersion, type LoadSettings } from './load.js'
import { startServer, type ServerUnderTest } from './server.js'
import { roundProblem, summariseRounds, targetResult, type HttpRound, type HttpSummary } from './summary.js'
import type { HttpScenario, HttpSideName } from './types.js'
import type { LoadResult } from './wrk-output.js'

export interface HttpReport extends ReportHeader, Omit<HttpSummary, 'ratioStatistic'> {
  kind: 'http'
  method: {
    tool: string
    /** Why another load generator than the one asked for ran (autocannon standing in for wrk); null when none. */
    toolNote: string | null
    connections: number
    pipelining: number
    warmupSec: number
    durationSec: number
    rounds: number
    threads: number | null
    order: HttpOrder
    /** The order in words, as the Markdown report prints it. */
    orderDetail: string
    /** Whether each server went through warm-up, settle (src/http/settle.ts), warm-up again before the measurement. */
    settled: boolean
    /** How `ratio` is computed from the rounds. */
    ratioStatistic: string
    request: HttpScenario['request']
  }
  target: { minRatio: number, pass: boolean } | null
}

type Settings = Omit<LoadSettings, 'origin' | 'durationSec' | 'scratchBase'>

const ORDER_DETAIL: Record<HttpOrder, string> = {
  paired: 'both sides at once (paired): two fresh server processes per round sharing one CPU, each loaded by its own load generator at the same time',
  alternating: 'baseline, candidate alternating (ABAB...), fresh server process per side and round'
}

function log (line: string): void {
  process.stderr.write(line + '\n')
}

function load (server: ServerUnderTest, settings: Settings, scenario: HttpScenario, durationSec: number): Promise<LoadResult> {
  // Per side, so the two load generators of a paired round never share a wrk script file.
  return runLoad({ ...settings, origin: server.origin, durationSec, scratchBase: join(resultsDir, `${scenario.name}.${server.side}`) })
}

/** Warm-up, then (when settling) settle and warm up again: the same for one server or a pair at once. */
async function prepare (servers: ServerUnderTest[], settings: Settings, scenario: HttpScenario, opts: HttpOptions): Promise<void> {
  const warm = async (): Promise<void> => {
    if (opts.warmupSec > 0) await Promise.all(servers.map((s) => load(s, settings, scenario, opts.warmupSec)))
  }
  await warm()
  if (!opts.settle) return
  await Promise.all(servers.map((s) => s.settle()))
  // Optimised code that depended on the collected maps is gone: warm up again before measuring.
  await warm()
}

async function measure (servers: ServerUnderTest[], settings: Settings, scenario: HttpScenario, opts: HttpOptions, r: number): Promise<HttpRound[]> {
  const before = servers.map((s) => s.cpu())
  const results = await Promise.all(servers.map((s) => load(s, settings, scenario, opts.durationSec)))
  return servers.map((s, i) => {
    const res = results[i] as LoadResult
    const after = s.cpu()
    const start = before[i] as CpuSample
    const perRequestUs = (ms: number): number => round(ms * 1000 / res.requests, 2)
    return {
      round: r,
      probeStatus: s.probeStatus,
      ...res,
      cpuUsPerRequest: perRequestUs(after.process - start.process),
      mainThreadCpuUsPerRequest: perRequestUs(after.mainThread - start.mainThread)
    }
  })
}

function warnOnProbe (scenario: HttpScenario, server: ServerUnderTest): void {
  if (server.probeStatus < 200 || server.probeStatus >= 300) {
    log(`  warning: ${scenario.name} ${server.side} answered the probe request with ${server.probeStatus}`)
  }
}

async function withServers<T> (scenario: HttpScenario, sides: HttpSideName[], cpus: string | null, fn: (servers: ServerUnderTest[]) => Promise<T>): Promise<T> {
  const servers: ServerUnderTest[] = []
  try {
    for (const side of sides) {
      const server = await startServer(scenario, side, cpus)
      servers.push(server)
      warnOnProbe(scenario, server)
    }
    return await fn(servers)
  } finally {
    await Promise.all(servers.map((s) => s.stop()))
  }
}

/** One side alone on the server CPUs. */
function runSide (scenario: HttpScenario, side: HttpSideName, r: number, settings: Settings, opts: HttpOptions): Promise<HttpRound> {
  return withServers(scenario, [side], pinning?.server ?? null, async (servers) => {
    await prepare(servers, settings, scenario, opts)
    return (await measure(servers, settings, scenario, opts, r))[0] as HttpRound
  })
}

/** Both sides at once on one CPU; which one starts first alternates by round. */
function runPair (scenario: HttpScenario, r: number, settings: Settings, opts: HttpOptions): Promise<Record<HttpSideName, HttpRound>> {
  const sides: HttpSideName[] = r % 2 === 1 ? ['baseline', 'candidate'] : ['candidate', 'baseline']
  return withServers(scenario, sides, pinning?.pair ?? null, async (servers) => {
    await prepare(servers, settings, scenario, opts)
    const rounds = await measure(servers, settings, scenario, opts, r)
    const bySide = (side: HttpSideName): HttpRound => rounds[sides.indexOf(side)] as HttpRound
    return { baseline: bySide('baseline'), candidate: bySide('candidate') }
  })
}

function roundLine (r: HttpRound): string {
  return `${Math.round(r.requestsPerSec).toString().padStart(7)} req/s  ${r.cpuUsPerRequest} µs CPU/req (main thread ${r.mainThreadCpuUsPerRequest})  p50 ${r.latencyP50Ms} ms  p99 ${r.latencyP99Ms} ms` +
    (r.non2xx + r.errors > 0 ? `  non-2xx ${r.non2xx} errors ${r.errors}` : '')
}

async function runRounds (scenario: HttpScenario, settings: Settings, opts: HttpOptions): Promise<Record<HttpSideName, HttpRound[]>> {
  const sides: Record<HttpSideName, HttpRound[]> = { baseline: [], candidate: [] }
  for (let r = 1; r <= opts.rounds; r++) {
    if (opts.order === 'paired') {
      const pair = await runPair(scenario, r, settings, opts)
      for (const side of ['baseline', 'candidate'] as const) {
        sides[side].push(pair[side])
        log(`  round ${r} ${side.padEnd(9)} ${roundLine(pair[side])}`)
      }
      const problem = roundProblem(pair.baseline, pair.candidate)
      log(`  round ${r} ratio     ${round(pair.candidate.requestsPerSec / pair.baseline.requestsPerSec, 3)}${problem === null ? '' : ` (left out: ${problem})`}`)
    } else {
      // A fresh server process each time, so slow drift in machine load hits both sides alike and
      // no side inherits the other's JIT or heap state.
      for (const side of ['baseline', 'candidate'] as const) {
        const res = await runSide(scenario, side, r, settings, opts)
        sides[side].push(res)
        log(`  round ${r} ${side.padEnd(9)} ${roundLine(res)}`)
      }
    }
  }
  return sides
}

export async function runHttpScenario (name: string, opts: HttpOptions, loadTool: ResolvedTool, machine: MachineInfo): Promise<HttpReport> {
  const started = performance.now()
  const scenario = await loadHttpScenario(name)
  const { tool } = loadTool
  const settings: Settings = {
    tool,
    request: scenario.request,
    connections: opts.connections,
    pipelining: opts.pipelining,
    threads: opts.threads
  }
  log(`[${name}] ${tool}, ${opts.order}, ${opts.connections} connections per server, ${opts.warmupSec} s warm-up + ${opts.durationSec} s per round, ${opts.rounds} rounds`)
  const rounds = await runRounds(scenario, settings, opts)
  const { ratioStatistic, ...summary } = summariseRounds(opts.order, { baseline: scenario.baseline.label, candidate: scenario.candidate.label }, rounds)
  if (summary.excludedRounds.length > 0) {
    log(`  ${summary.excludedRounds.length} of ${opts.rounds} rounds left out (socket errors or non-2xx responses)`)
  }
  return {
    kind: 'http',
    name,
    description: scenario.description,
    machine,
    loadAvgEnd: loadAvg(),
    wallTimeSec: round((performance.now() - started) / 1000, 1),
    method: {
      tool: await toolVersion(tool),
      toolNote: loadTool.note,
      connections: opts.connections,
      pipelining: opts.pipelining,
      warmupSec: opts.warmupSec,
      durationSec: tool === 'wrk' ? Math.max(1, Math.round(opts.durationSec)) : opts.durationSec,
      rounds: opts.rounds,
      threads: tool === 'wrk' ? opts.threads : null,
      order: opts.order,
      orderDetail: ORDER_DETAIL[opts.order],
      settled: opts.settle,
      ratioStatistic,
      request: scenario.request
    },
    ...summary,
    target: targetResult(summary.ratio, scenario.minRatio)
  }
}

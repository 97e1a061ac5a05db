import { join } from 'node:path'
import { pin, pinning } from '../lib/affinity.js'
import { forkTracked, stopChild, waitForMessage } from '../lib/children.js'
import { loadHttpScenario } from '../lib/discover.js'
import { loadAvg, type MachineInfo, type ReportHeader } from '../lib/machine.js'
import type { HttpOptions } from '../lib/options.js'
import { resultsDir, serveScript } from '../lib/paths.js'
import { median, round } from '../lib/stats.js'
import { resolveTool, runLoad, toolVersion, type LoadResult, type LoadSettings } from './load.js'
import type { ListeningMessage } from './serve.js'
import { isSettledMessage, SERVER_EXEC_ARGV, type SettleMessage } from './settle.js'
import type { HttpScenario, HttpSideName } from './types.js'

export interface HttpRound extends LoadResult {
  round: number
  /** Status of one probe request sent before the warm-up. */
  probeStatus: number
}

export interface HttpSideReport {
  label: string
  median: { requestsPerSec: number, latencyP50Ms: number, latencyP99Ms: number }
  non2xx: number
  errors: number
  rounds: HttpRound[]
}

export interface HttpReport extends ReportHeader {
  kind: 'http'
  method: {
    tool: string
    connections: number
    pipelining: number
    warmupSec: number
    durationSec: number
    rounds: number
    threads: number | null
    order: string
    /** Whether each server went through warm-up, settle (src/http/settle.ts), warm-up again before the measurement. */
    settled: boolean
    request: HttpScenario['request']
  }
  baseline: HttpSideReport
  candidate: HttpSideReport
  /** candidate / baseline of the median req/s. */
  ratio: number
  roundRatios: number[]
  target: { minRatio: number, pass: boolean } | null
}

function isListening (m: unknown): m is ListeningMessage {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'listening'
}

async function probe (origin: string, request: HttpScenario['request']): Promise<number> {
  const res = await fetch(origin + request.path, {
    method: request.method ?? 'GET',
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body })
  })
  await res.arrayBuffer()
  return res.status
}

function log (line: string): void {
  process.stderr.write(line + '\n')
}

async function runSide (scenario: HttpScenario, side: HttpSideName, round: number, settings: Omit<LoadSettings, 'origin' | 'durationSec'>, opts: HttpOptions): Promise<HttpRound> {
  const child = forkTracked(serveScript, [scenario.name, side], SERVER_EXEC_ARGV)
  if (pinning !== null && child.pid !== undefined) pin(child.pid, pinning.server)
  try {
    const { port } = await waitForMessage(child, isListening, 60_000, `${scenario.name} ${side} server`)
    const origin = `http://127.0.0.1:${port}`
    const probeStatus = await probe(origin, scenario.request)
    if (probeStatus < 200 || probeStatus >= 300) {
      log(`  warning: ${scenario.name} ${side} answered the probe request with ${probeStatus}`)
    }
    if (opts.warmupSec > 0) await runLoad({ ...settings, origin, durationSec: opts.warmupSec })
    if (opts.settle) {
      const settled = waitForMessage(child, isSettledMessage, 30_000, `${scenario.name} ${side} settle`)
      child.send({ type: 'settle' } satisfies SettleMessage)
      await settled
      // Optimised code that depended on the collected maps is gone: warm up again before measuring.
      if (opts.warmupSec > 0) await runLoad({ ...settings, origin, durationSec: opts.warmupSec })
    }
    const result = await runLoad({ ...settings, origin, durationSec: opts.durationSec })
    return { round, probeStatus, ...result }
  } finally {
    await stopChild(child)
  }
}

function summarise (label: string, rounds: HttpRound[]): HttpSideReport {
  return {
    label,
    median: {
      requestsPerSec: round(median(rounds.map((r) => r.requestsPerSec)), 1),
      latencyP50Ms: round(median(rounds.map((r) => r.latencyP50Ms)), 3),
      latencyP99Ms: round(median(rounds.map((r) => r.latencyP99Ms)), 3)
    },
    non2xx: rounds.reduce((n, r) => n + r.non2xx, 0),
    errors: rounds.reduce((n, r) => n + r.errors, 0),
    rounds
  }
}

export async function runHttpScenario (name: string, opts: HttpOptions, machine: MachineInfo): Promise<HttpReport> {
  const started = performance.now()
  const scenario = await loadHttpScenario(name)
  const tool = resolveTool(opts.tool)
  const settings = {
    tool,
    request: scenario.request,
    connections: opts.connections,
    pipelining: opts.pipelining,
    threads: opts.threads,
    scratchBase: join(resultsDir, name)
  }
  const sides = { baseline: [] as HttpRound[], candidate: [] as HttpRound[] }
  log(`[${name}] ${tool}, ${opts.connections} connections, ${opts.warmupSec} s warm-up + ${opts.durationSec} s per round, ${opts.rounds} rounds`)
  // Alternate sides (ABAB...), a fresh server process each time, so slow drift in machine load
  // hits both sides alike and no side inherits the other's JIT or heap state.
  for (let r = 1; r <= opts.rounds; r++) {
    for (const side of ['baseline', 'candidate'] as const) {
      const res = await runSide(scenario, side, r, settings, opts)
      sides[side].push(res)
      log(`  round ${r} ${side.padEnd(9)} ${Math.round(res.requestsPerSec).toString().padStart(7)} req/s  p50 ${res.latencyP50Ms} ms  p99 ${res.latencyP99Ms} ms` +
        (res.non2xx + res.errors > 0 ? `  non-2xx ${res.non2xx} errors ${res.errors}` : ''))
    }
  }
  const baseline = summarise(scenario.baseline.label, sides.baseline)
  const candidate = summarise(scenario.candidate.label, sides.candidate)
  const ratio = round(candidate.median.requestsPerSec / baseline.median.requestsPerSec, 3)
  return {
    kind: 'http',
    name,
    description: scenario.description,
    machine,
    loadAvgEnd: loadAvg(),
    wallTimeSec: round((performance.now() - started) / 1000, 1),
    method: {
      tool: await toolVersion(tool),
      connections: opts.connections,
      pipelining: opts.pipelining,
      warmupSec: opts.warmupSec,
      durationSec: tool === 'wrk' ? Math.max(1, Math.round(opts.durationSec)) : opts.durationSec,
      rounds: opts.rounds,
      threads: tool === 'wrk' ? opts.threads : null,
      order: 'baseline, candidate alternating (ABAB...), fresh server process per side and round',
      settled: opts.settle,
      request: scenario.request
    },
    baseline,
    candidate,
    ratio,
    roundRatios: sides.baseline.map((b, i) => round((sides.candidate[i] as HttpRound).requestsPerSec / b.requestsPerSec, 3)),
    target: scenario.minRatio === undefined ? null : { minRatio: scenario.minRatio, pass: ratio >= scenario.minRatio }
  }
}

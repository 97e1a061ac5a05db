import { forkTracked, stopChild } from './children.js'
import { waitForMessage } from './ipc.js'
import { loadMicroSuite } from './discover.js'
import { installedVersion, loadAvg, type MachineInfo, type ReportHeader } from './machine.js'
import type { MicroWorkerResult } from './micro-worker.js'
import type { MicroOptions } from './options.js'
import { microWorkerScript } from './paths.js'
import { median, pairedMedians, round } from './stats.js'

export interface MicroTaskReport {
  name: string
  baseline: boolean
  /** Median over rounds of each round's mean ns/op. */
  nsPerOp: number
  opsPerSec: number
  /** nsPerOp minus the baseline's nsPerOp. */
  overheadNs: number
  /** nsPerOp / baseline nsPerOp (time, so > 1 is slower). */
  ratio: number
  nsPerRound: number[]
  rmePerRound: number[]
  batch: number
  target: { maxOverheadNs: number, pass: boolean } | null
}

export interface MicroReport extends ReportHeader {
  kind: 'micro'
  method: {
    tool: string
    rounds: number
    timeMsPerTaskPerRound: number
    note: string
  }
  baseline: string
  tasks: MicroTaskReport[]
}

function isResult (m: unknown): m is MicroWorkerResult {
  return typeof m === 'object' && m !== null && (m as { type?: unknown }).type === 'micro-result'
}

export async function runMicroSuite (name: string, opts: MicroOptions, machine: MachineInfo): Promise<MicroReport> {
  const started = performance.now()
  const suite = await loadMicroSuite(name)
  const keys = Object.keys(suite.tasks)
  process.stderr.write(`[${name}] tinybench, ${keys.length} tasks, ${opts.rounds} rounds × ${opts.timeMs} ms per task\n`)
  const child = forkTracked(microWorkerScript, [name, String(opts.rounds), String(opts.timeMs)])
  // Generous: calibration and warm-up add to rounds × tasks × time.
  const timeoutMs = 120_000 + opts.rounds * keys.length * opts.timeMs * 4
  let result: MicroWorkerResult
  try {
    result = await waitForMessage(child, isResult, timeoutMs, `${name} micro suite`)
  } finally {
    await stopChild(child)
  }
  const baseRounds = result.nsPerRound[suite.baseline] ?? []
  const tasks = keys.map((key): MicroTaskReport => {
    const ns = median(result.nsPerRound[key] ?? [])
    // Overhead and ratio are paired by round (see pairedMedians), so a slow round cancels out.
    const { difference: overhead, ratio } = pairedMedians(result.nsPerRound[key] ?? [], baseRounds)
    const max = suite.maxOverheadNs?.[key]
    return {
      name: key,
      baseline: key === suite.baseline,
      nsPerOp: round(ns, 2),
      opsPerSec: Math.round(1e9 / ns),
      overheadNs: round(overhead, 2),
      ratio: round(ratio, 3),
      nsPerRound: (result.nsPerRound[key] ?? []).map((v) => round(v, 2)),
      rmePerRound: (result.rmePerRound[key] ?? []).map((v) => round(v, 2)),
      batch: result.batch[key] ?? 1,
      target: max === undefined ? null : { maxOverheadNs: max, pass: overhead <= max }
    }
  })
  return {
    kind: 'micro',
    name,
    description: suite.description,
    machine,
    loadAvgEnd: loadAvg(),
    wallTimeSec: round((performance.now() - started) / 1000, 1),
    method: {
      tool: `tinybench ${installedVersion('tinybench') ?? '?'}`,
      rounds: opts.rounds,
      timeMsPerTaskPerRound: opts.timeMs,
      note: 'one fresh process per suite; tasks interleaved, order rotated each round; each sample times a batch of calls ' +
        '(~50 µs) to amortise the clock; per round the mean ns/op, reported as the median over rounds; overhead and ' +
        'ratio are the medians of the per-round differences and ratios to the baseline'
    },
    baseline: suite.baseline,
    tasks
  }
}

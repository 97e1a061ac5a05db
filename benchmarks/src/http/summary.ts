// From the rounds of a run to its figures: which rounds count, each side's medians, the ratios.
import type { HttpOrder } from '../lib/options.js'
import { median, round } from '../lib/stats.js'
import type { HttpSideName } from './types.js'
import type { LoadResult } from './wrk-output.js'

export interface HttpRound extends LoadResult {
  round: number
  /** Status of one probe request sent before the warm-up (the first non-2xx of a request mix). */
  probeStatus: number
  /** Server CPU time (user + system, all threads) per response during the measured load, µs; NaN without /proc. */
  cpuUsPerRequest: number
  /** The same for the main thread alone, which runs the JavaScript and so bounds throughput when the other threads have cores of their own. */
  mainThreadCpuUsPerRequest: number
}

export interface HttpSideReport {
  label: string
  /** Medians over the rounds that count (not left out). */
  median: { requestsPerSec: number, latencyP50Ms: number, latencyP99Ms: number, cpuUsPerRequest: number, mainThreadCpuUsPerRequest: number }
  /** Totals over every round, left out or not. */
  non2xx: number
  errors: number
  rounds: HttpRound[]
}

/** A round left out of the medians, and why. */
export interface ExcludedRound { round: number, reason: string }

export interface HttpSummary {
  baseline: HttpSideReport
  candidate: HttpSideReport
  /** The headline: candidate/baseline throughput over the rounds that count; NaN when none does. */
  ratio: number
  /** How `ratio` is computed from the rounds. */
  ratioStatistic: string
  /** candidate/baseline req/s of each round, left out or not. */
  roundRatios: number[]
  /** Median over the rounds that count of baseline CPU per request / candidate CPU per request (higher is better, like `ratio`). */
  cpuRatio: number
  /** The same from main-thread CPU per request. */
  mainThreadCpuRatio: number
  /** Rounds where either side saw socket errors or non-2xx responses: they measured something else. */
  excludedRounds: ExcludedRound[]
}

const RATIO_STATISTIC: Record<HttpOrder, string> = {
  paired: 'median of the per-round ratios',
  alternating: 'ratio of the median req/s'
}

/** Why round `b`/`c` must not count, or null when both sides only saw 2xx responses and no socket error. */
export function roundProblem (b: LoadResult, c: LoadResult): string | null {
  const sides: Array<[HttpSideName, LoadResult]> = [['baseline', b], ['candidate', c]]
  const problems = sides
    .filter(([, r]) => r.non2xx > 0 || r.errors > 0)
    .map(([side, r]) => `${side}: ${r.non2xx} non-2xx, ${r.errors} socket errors`)
  return problems.length === 0 ? null : problems.join('; ')
}

function side (label: string, all: HttpRound[], kept: HttpRound[]): HttpSideReport {
  const med = (pick: (r: HttpRound) => number, digits: number): number => round(median(kept.map(pick)), digits)
  return {
    label,
    median: {
      requestsPerSec: med((r) => r.requestsPerSec, 1),
      latencyP50Ms: med((r) => r.latencyP50Ms, 3),
      latencyP99Ms: med((r) => r.latencyP99Ms, 3),
      cpuUsPerRequest: med((r) => r.cpuUsPerRequest, 2),
      mainThreadCpuUsPerRequest: med((r) => r.mainThreadCpuUsPerRequest, 2)
    },
    non2xx: all.reduce((n, r) => n + r.non2xx, 0),
    errors: all.reduce((n, r) => n + r.errors, 0),
    rounds: all
  }
}

/**
 * Summarises a run. Round i of the baseline and round i of the candidate go together (paired: at
 * the same time; alternating: one after the other); a round where either side had socket errors or
 * non-2xx responses is left out of every median and ratio, and listed.
 */
export function summariseRounds (order: HttpOrder, labels: Record<HttpSideName, string>, rounds: Record<HttpSideName, HttpRound[]>): HttpSummary {
  const pairs = rounds.baseline.map((b, i) => [b, rounds.candidate[i] as HttpRound] as const)
  const excludedRounds: ExcludedRound[] = []
  const kept = pairs.filter(([b, c]) => {
    const reason = roundProblem(b, c)
    if (reason !== null) excludedRounds.push({ round: b.round, reason })
    return reason === null
  })
  const baseline = side(labels.baseline, rounds.baseline, kept.map(([b]) => b))
  const candidate = side(labels.candidate, rounds.candidate, kept.map(([, c]) => c))
  const costRatio = (cost: (r: HttpRound) => number): number => round(median(kept.map(([b, c]) => cost(b) / cost(c))), 3)
  const keptRatios = kept.map(([b, c]) => c.requestsPerSec / b.requestsPerSec)
  // Paired rounds share every slowdown of the machine, so each round's ratio is a measurement in
  // itself; sequential rounds do not, and the ratio of the medians damps a round that was slow for one side only.
  const ratio = order === 'paired'
    ? round(median(keptRatios), 3)
    : round(candidate.median.requestsPerSec / baseline.median.requestsPerSec, 3)
  return {
    baseline,
    candidate,
    ratio,
    ratioStatistic: RATIO_STATISTIC[order],
    roundRatios: pairs.map(([b, c]) => round(c.requestsPerSec / b.requestsPerSec, 3)),
    cpuRatio: costRatio((r) => r.cpuUsPerRequest),
    mainThreadCpuRatio: costRatio((r) => r.mainThreadCpuUsPerRequest),
    excludedRounds
  }
}

/** Pass when the ratio reaches the target; a run with no round that counts never passes. */
export function targetResult (ratio: number, minRatio: number | undefined): { minRatio: number, pass: boolean } | null {
  return minRatio === undefined ? null : { minRatio, pass: ratio >= minRatio }
}

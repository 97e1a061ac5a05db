import { machineLine, mdTable } from '../lib/markdown.js'
import { fmtFixed, fmtInt } from '../lib/stats.js'
import { describeRequests } from './requests.js'
import type { HttpReport } from './runner.js'
import type { HttpRound, HttpSideReport } from './summary.js'

function ms (value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : 'n/a'
}

function sideRow (side: string, s: HttpSideReport, ratio: string): string[] {
  return [side, s.label, fmtInt(s.median.requestsPerSec), ratio, fmtFixed(s.median.cpuUsPerRequest, 1), fmtFixed(s.median.mainThreadCpuUsPerRequest, 1), ms(s.median.latencyP50Ms), ms(s.median.latencyP99Ms), `${s.non2xx} / ${s.errors}`]
}

/** How many rounds the medians leave out, and which and why. */
function exclusionLine (r: HttpReport): string {
  const n = r.excludedRounds.length
  const head = `Rounds left out of the medians (socket errors or non-2xx responses on either side): ${n} of ${r.method.rounds}`
  if (n === 0) return `${head}.`
  return `${head}: ${r.excludedRounds.map((e) => `round ${e.round} (${e.reason})`).join(', ')}.`
}

export function httpMarkdown (r: HttpReport): string {
  const m = r.method
  const target = r.target === null
    ? ''
    : ` Target ≥ ${r.target.minRatio}: **${r.target.pass ? 'pass' : 'FAIL'}**.`
  const left = new Set(r.excludedRounds.map((e) => e.round))
  const lines = [
    `## ${r.name}`,
    '',
    ...(m.toolNote === null ? [] : [`> **Load generator: ${m.tool}.** ${m.toolNote}.`, '']),
    r.description,
    '',
    mdTable(
      ['Side', 'Label', 'req/s (median)', 'vs baseline', 'CPU µs/req', 'main thread µs/req', 'p50 ms', 'p99 ms', 'non-2xx / errors'],
      [sideRow('baseline', r.baseline, '1.00'), sideRow('candidate', r.candidate, fmtFixed(r.ratio, 2))],
      [false, false, true, true, true, true, true, true, true]
    ),
    '',
    `**Ratio candidate/baseline (${m.ratioStatistic}): ${fmtFixed(r.ratio, 3)}.**${target} ` +
      `CPU cost ratios (baseline/candidate CPU per request, median of rounds): all threads ${fmtFixed(r.cpuRatio, 3)}, main thread ${fmtFixed(r.mainThreadCpuRatio, 3)}. ` +
      exclusionLine(r),
    '',
    mdTable(
      ['Round', 'baseline req/s', 'candidate req/s', 'ratio', 'baseline CPU µs/req', 'candidate CPU µs/req', 'baseline main µs/req', 'candidate main µs/req'],
      r.baseline.rounds.map((b, i) => {
        // Both sides have a figure for every round, and roundRatios one per round.
        const c = r.candidate.rounds[i] as HttpRound
        return [left.has(b.round) ? `${b.round} (left out)` : String(b.round), fmtInt(b.requestsPerSec), fmtInt(c.requestsPerSec), fmtFixed(r.roundRatios[i] as number, 3),
          fmtFixed(b.cpuUsPerRequest, 1), fmtFixed(c.cpuUsPerRequest, 1),
          fmtFixed(b.mainThreadCpuUsPerRequest, 1), fmtFixed(c.mainThreadCpuUsPerRequest, 1)]
      }),
      [false, true, true, true, true, true, true, true]
    ),
    '',
    `Method: ${m.tool}${m.threads === null ? '' : ` (${m.threads} thread${m.threads === 1 ? '' : 's'})`}, ${m.connections} connections per server, ` +
      `pipelining ${m.pipelining}, ${describeRequests(m.request)} on 127.0.0.1; per round ${m.settled ? `${m.warmupSec} s warm-up, settle, ${m.warmupSec} s warm-up` : `${m.warmupSec} s warm-up (not settled)`} + ${m.durationSec} s measured; ` +
      `${m.rounds} rounds, ${m.orderDetail}; medians over rounds. Wall time ${r.wallTimeSec} s.`,
    '',
    `Machine: ${machineLine(r.machine, r.loadAvgEnd)}.`,
    ''
  ]
  return lines.join('\n')
}

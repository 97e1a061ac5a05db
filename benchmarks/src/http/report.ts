import { machineLine } from '../lib/machine.js'
import { mdTable } from '../lib/results.js'
import { fmtFixed, fmtInt } from '../lib/stats.js'
import type { HttpReport, HttpSideReport } from './runner.js'

function ms (value: number): string {
  return Number.isFinite(value) ? String(Math.round(value * 100) / 100) : 'n/a'
}

function sideRow (side: string, s: HttpSideReport, ratio: string): string[] {
  return [side, s.label, fmtInt(s.median.requestsPerSec), ratio, fmtFixed(s.median.cpuUsPerRequest, 1), fmtFixed(s.median.mainThreadCpuUsPerRequest, 1), ms(s.median.latencyP50Ms), ms(s.median.latencyP99Ms), `${s.non2xx} / ${s.errors}`]
}

export function httpMarkdown (r: HttpReport): string {
  const m = r.method
  const target = r.target === null
    ? ''
    : ` Target ≥ ${r.target.minRatio}: **${r.target.pass ? 'pass' : 'FAIL'}**.`
  const request = `${m.request.method ?? 'GET'} ${m.request.path}`
  const lines = [
    `## ${r.name}`,
    '',
    r.description,
    '',
    mdTable(
      ['Side', 'Label', 'req/s (median)', 'vs baseline', 'CPU µs/req', 'main thread µs/req', 'p50 ms', 'p99 ms', 'non-2xx / errors'],
      [sideRow('baseline', r.baseline, '1.00'), sideRow('candidate', r.candidate, fmtFixed(r.ratio, 2))],
      [false, false, true, true, true, true, true, true, true]
    ),
    '',
    `**Ratio candidate/baseline (${m.ratioStatistic}): ${fmtFixed(r.ratio, 3)}.**${target} ` +
      `CPU cost ratios (baseline/candidate CPU per request, median of rounds): all threads ${fmtFixed(r.cpuRatio, 3)}, main thread ${fmtFixed(r.mainThreadCpuRatio, 3)}.`,
    '',
    mdTable(
      ['Round', 'baseline req/s', 'candidate req/s', 'ratio', 'baseline CPU µs/req', 'candidate CPU µs/req', 'baseline main µs/req', 'candidate main µs/req'],
      r.baseline.rounds.map((b, i) => {
        const c = r.candidate.rounds[i]
        return [String(b.round), fmtInt(b.requestsPerSec), fmtInt(c?.requestsPerSec ?? Number.NaN), fmtFixed(r.roundRatios[i] ?? Number.NaN, 3),
          fmtFixed(b.cpuUsPerRequest, 1), fmtFixed(c?.cpuUsPerRequest ?? Number.NaN, 1),
          fmtFixed(b.mainThreadCpuUsPerRequest, 1), fmtFixed(c?.mainThreadCpuUsPerRequest ?? Number.NaN, 1)]
      }),
      [false, true, true, true, true, true, true, true]
    ),
    '',
    `Method: ${m.tool}${m.threads === null ? '' : ` (${m.threads} thread${m.threads === 1 ? '' : 's'})`}, ${m.connections} connections per server, ` +
      `pipelining ${m.pipelining}, \`${request}\` on 127.0.0.1; per round ${m.settled ? `${m.warmupSec} s warm-up, settle, ${m.warmupSec} s warm-up` : `${m.warmupSec} s warm-up (not settled)`} + ${m.durationSec} s measured; ` +
      `${m.rounds} rounds, ${m.orderDetail}; medians over rounds. Wall time ${r.wallTimeSec} s.`,
    '',
    `Machine: ${machineLine(r.machine, r.loadAvgEnd)}.`,
    ''
  ]
  return lines.join('\n')
}

import { machineLine, mdTable } from './markdown.js'
import type { MicroReport } from './micro-runner.js'
import { fmtFixed, fmtInt, fmtNs } from './stats.js'

export function microMarkdown (r: MicroReport): string {
  const rows = r.tasks.map((t) => [
    t.baseline ? `${t.name} (baseline)` : t.name,
    fmtNs(t.nsPerOp),
    fmtInt(t.opsPerSec),
    t.baseline ? '—' : (t.overheadNs >= 0 ? '+' : '') + fmtNs(t.overheadNs),
    t.baseline ? '1.00' : fmtFixed(t.ratio, 2),
    t.target === null ? '—' : `≤ ${fmtNs(t.target.maxOverheadNs)} ns: **${t.target.pass ? 'pass' : 'FAIL'}**`,
    t.nsPerRound.map(fmtNs).join(', ')
  ])
  return [
    `## ${r.name}`,
    '',
    r.description,
    '',
    mdTable(
      ['Task', 'ns/op (median)', 'ops/s', 'overhead ns', '× baseline time', 'target', 'ns/op per round'],
      rows,
      [false, true, true, true, true, false, false]
    ),
    '',
    `Method: ${r.method.tool}, ${r.method.rounds} rounds × ${r.method.timeMsPerTaskPerRound} ms per task; ${r.method.note}. ` +
      `Wall time ${r.wallTimeSec} s.`,
    '',
    `Machine: ${machineLine(r.machine, r.loadAvgEnd)}.`,
    ''
  ].join('\n')
}

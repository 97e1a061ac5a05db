// Markdown pieces every report uses. No I/O here, so the reports can be tested as text.
import type { MachineInfo } from './machine.js'

/** A Markdown table; `align` marks right-aligned (numeric) columns. */
export function mdTable (head: string[], rows: string[][], align: boolean[] = []): string {
  const sep = head.map((_, i) => (align[i] === true ? '---:' : '---'))
  return [head, sep, ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n')
}

/** The "Machine:" line of a report. */
export function machineLine (m: MachineInfo, loadAvgEnd: number[]): string {
  return `Node ${m.node} (V8 ${m.v8}), ${m.platform}/${m.arch}, ${m.cpuModel} × ${m.cores} cores, ` +
    `${m.totalMemGiB} GiB; load average at start ${m.loadAvgStart.join(' / ')}, at end ${loadAvgEnd.join(' / ')}; ` +
    `${m.pinning === null ? 'no CPU pinning' : `servers pinned to CPU ${m.pinning.server} (a paired round puts both on CPU ${m.pinning.pair}), load generator to CPU ${m.pinning.load}`}; ` +
    `commit ${m.gitCommit ?? 'unknown'}; ${m.date}`
}

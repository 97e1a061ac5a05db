import t from 'tap'
import { machineLine, mdTable } from '../src/lib/markdown.js'
import type { MachineInfo } from '../src/lib/machine.js'
import { fmtFixed, fmtInt, fmtNs, median, round } from '../src/lib/stats.js'

t.test('mdTable: a header, the separator with right-aligned numeric columns, the rows', async (t) => {
  t.equal(mdTable(['a', 'n'], [['x', '1'], ['y', '2']], [false, true]), '| a | n |\n| --- | ---: |\n| x | 1 |\n| y | 2 |')
  t.equal(mdTable(['a'], []), '| a |\n| --- |')
})

t.test('machineLine: pinning, the commit and both load averages', async (t) => {
  const m: MachineInfo = {
    date: '2026-12-01T00:00:00.000Z',
    node: 'v20.20.2',
    v8: '11.3',
    platform: 'linux',
    arch: 'x64',
    cpuModel: 'AMD EPYC',
    cores: 2,
    totalMemGiB: 23.5,
    loadAvgStart: [0.5, 0.4, 0.3],
    gitCommit: 'ca57561-dirty',
    packages: {},
    pinning: { server: '0', pair: '0', load: '1' }
  }
  t.equal(machineLine(m, [1, 1, 1]), 'Node v20.20.2 (V8 11.3), linux/x64, AMD EPYC × 2 cores, 23.5 GiB; load average at start 0.5 / 0.4 / 0.3, ' +
    'at end 1 / 1 / 1; servers pinned to CPU 0 (a paired round puts both on CPU 0), load generator to CPU 1; commit ca57561-dirty; 2026-12-01T00:00:00.000Z')
})

t.test('stats: median, rounding and the number formats of the tables', async (t) => {
  t.equal(median([3, 1, 2]), 2)
  t.equal(median([4, 1, 3, 2]), 2.5)
  t.ok(Number.isNaN(median([])))
  t.equal(round(0.12345, 3), 0.123)
  t.equal(fmtInt(12345.6), '12,346')
  t.equal(fmtInt(Number.NaN), 'n/a')
  t.equal(fmtFixed(0.9, 3), '0.900')
  t.equal(fmtFixed(Number.POSITIVE_INFINITY, 1), 'n/a')
  t.same([1234.5, -150, 42.25, 8.94, -3.1].map(fmtNs), ['1,235', '-150', '42.3', '8.94', '-3.10'])
  t.equal(fmtNs(Number.NaN), 'n/a')
})

import t from 'tap'
import { httpMarkdown } from '../src/http/report.js'
import type { HttpReport } from '../src/http/runner.js'
import { summariseRounds, targetResult } from '../src/http/summary.js'
import type { MachineInfo } from '../src/lib/machine.js'
import { round } from './helpers/rounds.js'

const machine: MachineInfo = {
  date: '2026-12-01T00:00:00.000Z',
  node: 'v20.20.2',
  v8: '11.3',
  platform: 'linux',
  arch: 'x64',
  cpuModel: 'AMD EPYC',
  cores: 2,
  totalMemGiB: 23.5,
  loadAvgStart: [1, 2, 3],
  gitCommit: null,
  packages: {},
  pinning: null
}

function report (over: Partial<HttpReport['method']> = {}, minRatio?: number): HttpReport {
  const { ratioStatistic, ...summary } = summariseRounds('paired', { baseline: 'bare Fastify', candidate: 'the suite' }, {
    baseline: [round(1, 1000, 100), round(2, 1000, 100, { errors: 50 }), round(3, 1000, 100)],
    candidate: [round(1, 900, 110), round(2, 400, 250), round(3, 950, 105)]
  })
  return {
    kind: 'http',
    name: 'suite',
    description: 'The suite vs bare Fastify.',
    machine,
    loadAvgEnd: [4, 5, 6],
    wallTimeSec: 40,
    method: {
      tool: 'wrk 4.1.0',
      toolNote: null,
      connections: 50,
      pipelining: 1,
      warmupSec: 2,
      durationSec: 5,
      rounds: 3,
      threads: 1,
      order: 'paired',
      orderDetail: 'both sides at once (paired)',
      settled: true,
      ratioStatistic,
      request: [{ path: '/' }, { path: '/quote' }],
      ...over
    },
    ...summary,
    target: targetResult(summary.ratio, minRatio)
  }
}

t.test('says how many rounds were left out, which and why, and marks them in the rounds table', async (t) => {
  const md = httpMarkdown(report({}, 0.9))
  t.match(md, 'Rounds left out of the medians (socket errors or non-2xx responses on either side): 1 of 3: round 2 (baseline: 0 non-2xx, 50 socket errors).')
  t.match(md, '| 2 (left out) | 1,000 | 400 | 0.400 |')
  t.match(md, '| 1 | 1,000 | 900 | 0.900 |')
  t.match(md, '**Ratio candidate/baseline (median of the per-round ratios): 0.925.** Target ≥ 0.9: **pass**.')
  t.match(md, '| baseline | bare Fastify | 1,000 | 1.00 |')
  t.match(md, '0 / 50 |', 'the side\'s totals still show the errors')
})

t.test('a run with no bad round says 0 of N; no target, no target text', async (t) => {
  const r = report()
  r.excludedRounds = []
  const md = httpMarkdown(r)
  t.match(md, 'Rounds left out of the medians (socket errors or non-2xx responses on either side): 0 of 3.')
  t.notMatch(md, 'Target')
  t.notMatch(md, '(left out)')
})

t.test('a fallback load generator is written into the report\'s header', async (t) => {
  const note = 'wrk is not installed, so autocannon measured this run (its figures are not comparable with wrk runs); to use wrk: sudo apt-get install wrk'
  const md = httpMarkdown(report({ tool: 'autocannon 9.0.0', toolNote: note, threads: null }))
  const lines = md.split('\n')
  t.equal(lines[0], '## suite')
  t.equal(lines[2], `> **Load generator: autocannon 9.0.0.** ${note}.`)
  t.match(md, 'Method: autocannon 9.0.0, 50 connections')
  t.notMatch(httpMarkdown(report()), 'Load generator:')
})

t.test('the method line: the request mix, threads, settling, failed targets, the machine', async (t) => {
  const md = httpMarkdown(report({ threads: 2, settled: false }, 0.99))
  t.match(md, 'Method: wrk 4.1.0 (2 threads), 50 connections per server, pipelining 1, `GET /`, `GET /quote` in turn on each connection on 127.0.0.1; per round 2 s warm-up (not settled) + 5 s measured')
  t.match(md, 'Target ≥ 0.99: **FAIL**.')
  t.match(md, 'Machine: Node v20.20.2 (V8 11.3), linux/x64, AMD EPYC × 2 cores, 23.5 GiB; load average at start 1 / 2 / 3, at end 4 / 5 / 6; no CPU pinning; commit unknown;')
  const single = httpMarkdown(report({ request: { path: '/readyz' }, threads: 1 }))
  t.match(single, 'Method: wrk 4.1.0 (1 thread), 50 connections per server, pipelining 1, `GET /readyz` on 127.0.0.1; per round 2 s warm-up, settle, 2 s warm-up + 5 s measured')
})

t.test('n/a for figures a run could not take (no /proc, no latency)', async (t) => {
  const r = report()
  r.baseline.median.latencyP50Ms = Number.NaN
  r.baseline.median.cpuUsPerRequest = Number.NaN
  t.match(httpMarkdown(r), '| baseline | bare Fastify | 1,000 | 1.00 | n/a |')
  t.match(httpMarkdown(r), '| n/a | 102 | 0 / 50 |')
})

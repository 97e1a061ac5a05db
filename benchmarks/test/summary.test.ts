import t from 'tap'
import { roundProblem, summariseRounds, targetResult } from '../src/http/summary.js'
import { round } from './helpers/rounds.js'

const labels = { baseline: 'bare', candidate: 'plugin' }

t.test('paired: the median of the per-round ratios, each side\'s medians, CPU ratios', async (t) => {
  const s = summariseRounds('paired', labels, {
    baseline: [round(1, 1000, 100), round(2, 2000, 50), round(3, 1500, 80)],
    candidate: [round(1, 900, 110), round(2, 1600, 62.5), round(3, 1440, 100)]
  })
  t.same(s.roundRatios, [0.9, 0.8, 0.96])
  t.equal(s.ratio, 0.9)
  t.equal(s.ratioStatistic, 'median of the per-round ratios')
  t.equal(s.baseline.median.requestsPerSec, 1500)
  t.equal(s.candidate.median.requestsPerSec, 1440)
  t.equal(s.baseline.label, 'bare')
  t.equal(s.cpuRatio, 0.8, 'median of 100/110, 50/62.5, 80/100')
  t.equal(s.mainThreadCpuRatio, 0.8)
  t.same(s.excludedRounds, [])
})

t.test('alternating: the ratio of the two sides\' median req/s', async (t) => {
  const s = summariseRounds('alternating', labels, {
    baseline: [round(1, 1000, 100), round(2, 3000, 100), round(3, 2000, 100)],
    candidate: [round(1, 1700, 100), round(2, 1000, 100), round(3, 1900, 100)]
  })
  t.equal(s.ratio, 0.85, '1700 / 2000; the median of the rounds\' own ratios would be 0.95')
  t.equal(s.ratioStatistic, 'ratio of the median req/s')
})

t.test('a round with socket errors or non-2xx on either side is left out of every median, and listed', async (t) => {
  const s = summariseRounds('paired', labels, {
    baseline: [round(1, 1000, 100), round(2, 500, 300, { errors: 50, timeouts: 7 }), round(3, 1000, 100), round(4, 1000, 100)],
    candidate: [round(1, 900, 110), round(2, 100, 900), round(3, 950, 105), round(4, 2000, 50, { non2xx: 12 })]
  })
  t.same(s.excludedRounds, [
    { round: 2, reason: 'baseline: 0 non-2xx, 50 socket errors' },
    { round: 4, reason: 'candidate: 12 non-2xx, 0 socket errors' }
  ])
  t.equal(s.ratio, 0.925, 'median of rounds 1 and 3 only')
  t.same(s.roundRatios, [0.9, 0.2, 0.95, 2], 'every round keeps its ratio in the table')
  t.equal(s.candidate.median.requestsPerSec, 925)
  t.equal(s.baseline.median.latencyP50Ms, 12, 'latency medians too: rounds 1 and 3')
  t.equal(s.baseline.errors, 50, 'totals count every round')
  t.equal(s.candidate.non2xx, 12)
  t.equal(s.baseline.rounds.length, 4)
})

t.test('when every round is left out there is no ratio, and a target fails', async (t) => {
  const s = summariseRounds('paired', labels, {
    baseline: [round(1, 1000, 100, { errors: 1 })],
    candidate: [round(1, 1000, 100, { non2xx: 1 })]
  })
  t.same(s.excludedRounds, [{ round: 1, reason: 'baseline: 0 non-2xx, 1 socket errors; candidate: 1 non-2xx, 0 socket errors' }])
  t.ok(Number.isNaN(s.ratio) && Number.isNaN(s.cpuRatio) && Number.isNaN(s.baseline.median.requestsPerSec))
  t.same(targetResult(s.ratio, 0.9), { minRatio: 0.9, pass: false })
})

t.test('roundProblem and targetResult', async (t) => {
  t.equal(roundProblem(round(1, 1, 1), round(1, 1, 1)), null)
  t.equal(roundProblem(round(1, 1, 1, { non2xx: 2, errors: 3 }), round(1, 1, 1)), 'baseline: 2 non-2xx, 3 socket errors')
  t.equal(targetResult(0.95, undefined), null)
  t.same(targetResult(0.9, 0.9), { minRatio: 0.9, pass: true })
  t.same(targetResult(0.899, 0.9), { minRatio: 0.9, pass: false })
})

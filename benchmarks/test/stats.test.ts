import t from 'tap'
import { median, pairedMedians } from '../src/lib/stats.js'

t.test('pairedMedians: the median of per-round differences and ratios, not the difference of medians', async (t) => {
  // The machine slowed down in rounds 2 and 3: both tasks took longer there.
  const baseline = [100, 200, 210, 100, 105]
  const task = [104, 205, 214, 103, 109]
  t.equal(median(task) - median(baseline), 4)
  t.same(pairedMedians(task, baseline), { difference: 4, ratio: 1.03 })
  // A drift that hit the baseline's block only moves one round's difference, not the median.
  t.same(pairedMedians([104, 104, 104], [100, 50, 101]), { difference: 4, ratio: 1.04 })
  t.same(pairedMedians([10, 20, 30], [10]), { difference: 0, ratio: 1 }, 'rounds missing on one side are skipped')
  t.ok(Number.isNaN(pairedMedians([], [1]).difference), 'no paired round: NaN')
})

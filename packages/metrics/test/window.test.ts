import tap from 'tap'
import { Tier, TieredWindow } from '../src/slo/window.js'
import { formatDuration } from '../src/slo/duration.js'

tap.test('a tier keeps counts per slot and clears slots as time passes them', async (t) => {
  const tier = new Tier(1000, 5, 10_000)
  tier.record(10_000, false)
  tier.record(10_500, true)
  tier.record(11_000, true)
  t.same(tier.sum(11_999, 2000), { total: 3, bad: 2 })
  t.same(tier.sum(11_999, 1000), { total: 1, bad: 1 }, 'only the current slot')
  t.same(tier.sum(14_000, 5000), { total: 3, bad: 2 }, 'still in the ring')
  t.same(tier.sum(15_000, 5000), { total: 1, bad: 1 }, 'the first slot left the ring')
  t.same(tier.sum(15_000, 60_000), { total: 1, bad: 1 }, 'a window longer than the ring reads the whole ring')
  t.same(tier.sum(100_000, 5000), { total: 0, bad: 0 }, 'a gap longer than the ring clears it')
  tier.record(50_000, true) // the clock went back: counted in the current slot
  t.same(tier.sum(100_000, 1000), { total: 1, bad: 1 })
  t.equal(tier.spanMs, 5000)
})

tap.test('windows read from the finest tier that spans them; memory is fixed', async (t) => {
  const start = 1_800_000_000_000
  const w = new TieredWindow(30 * 86_400_000, start)
  // One request per minute for two days: 2,880 records, one bad per hour.
  for (let i = 0; i < 2880; i++) w.record(start + i * 60_000, i % 60 === 0)
  const now = start + 2879 * 60_000
  t.same(w.sum(now, 5 * 60_000), { total: 5, bad: 0 })
  t.same(w.sum(now, 3_600_000), { total: 60, bad: 1 })
  t.same(w.sum(now, 86_400_000), { total: 1440, bad: 24 })
  t.same(w.sum(now, 30 * 86_400_000), { total: 2880, bad: 48 })
  t.same([w.total, w.bad, w.startedAt], [2880, 48, start])
})

tap.test('durations', async (t) => {
  t.same([300_000, 3_600_000, 86_400_000, 90_000, 10_500, 30 * 86_400_000].map(formatDuration), ['5m', '1h', '1d', '90s', '10500ms', '30d'])
})

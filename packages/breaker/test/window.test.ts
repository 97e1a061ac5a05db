import t from 'tap'
import { BucketRing, CountWindow, TimeWindow } from '../src/core/window.js'

t.test('count window keeps the last N outcomes with running totals', async (t) => {
  const w = new CountWindow(3)
  w.record(0, true, false)
  w.record(0, false, true)
  w.record(0, true, true)
  t.same([w.total, w.failures, w.slow], [3, 2, 2])
  w.record(0, false, false) // evicts the first (failed)
  t.same([w.total, w.failures, w.slow], [3, 1, 2])
  w.record(0, false, false) // evicts the slow success
  t.same([w.total, w.failures, w.slow], [3, 1, 1])
  w.advance()
  w.reset()
  t.same([w.total, w.failures, w.slow], [0, 0, 0])
})

t.test('time window expires buckets as time passes', async (t) => {
  const w = new TimeWindow(1000, 10)
  w.record(0, true, false)
  w.record(50, false, true)
  w.record(550, true, false)
  t.same([w.total, w.failures, w.slow], [3, 2, 1])
  w.advance(1050) // bucket 0 (t 0..99) expired
  t.same([w.total, w.failures, w.slow], [1, 1, 0])
  w.advance(1040) // time going backwards changes nothing
  t.equal(w.total, 1)
  w.advance(5000) // far beyond the window: everything expired at once
  t.same([w.total, w.failures, w.slow], [0, 0, 0])
  w.record(5000, false, false)
  w.reset()
  t.equal(w.total, 0)
})

t.test('bucket ring sums counters over the window', async (t) => {
  const r = new BucketRing(100, 4, 2)
  r.add(0, 0, 1)
  r.add(30, 1, 2)
  r.add(60, 0, 1)
  t.same([...r.totals], [2, 2])
  r.advance(110) // 25 ms buckets: only bucket 0 (t 0..24) left the window
  t.same([...r.totals], [1, 2])
  r.advance(160) // buckets 1 and 2 gone
  t.same([...r.totals], [0, 0])
  r.add(170, 1, 1)
  r.reset()
  t.same([...r.totals], [0, 0])
})

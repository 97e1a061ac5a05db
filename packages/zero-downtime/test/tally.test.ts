import t from 'tap'
import { countResets, mergeCounts } from '../src/tally.js'

// The kit's live runs see whatever errors the race produces; the tallying itself is checked here
// so its result never depends on timing.
t.test('mergeCounts adds counts per code across records', async (t) => {
  t.same(mergeCounts({ ECONNRESET: 2, ECONNREFUSED: 1 }, { ECONNRESET: 3 }, {}), { ECONNRESET: 5, ECONNREFUSED: 1 })
  t.same(mergeCounts(), {})
})

t.test('countResets counts resets and broken pipes only', async (t) => {
  t.equal(countResets({ ECONNRESET: 2, EPIPE: 1, ECONNREFUSED: 7, ETIMEDOUT: 4 }), 3)
  t.equal(countResets({ ECONNREFUSED: 7 }), 0)
  t.equal(countResets({}), 0)
})

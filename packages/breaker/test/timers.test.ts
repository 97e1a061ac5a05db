import t from 'tap'
import { MAX_TIMER_MS } from '@highload/options'
import { fakeClock } from '@highload/testing'
import { createPolicy } from '../src/core/index.js'
import { TimerEntry, TimerHeap } from '../src/core/timers.js'
import { settle } from './helpers.js'

class Probe extends TimerEntry {
  constructor (readonly fired: string[], readonly label: string) { super() }
  onTimer (): void { this.fired.push(this.label) }
}

t.test('fires entries in deadline order with one timer', async (t) => {
  const clock = fakeClock(t, { now: 0 })
  const heap = new TimerHeap()
  const fired: string[] = []
  const entries = [50, 10, 40, 30, 20, 60, 5].map((ms) => {
    const e = new Probe(fired, String(ms))
    heap.add(e, ms)
    return e
  })
  t.equal(heap.size, 7)
  t.equal(clock.countTimers(), 1, 'a single timer for every entry')
  heap.remove(entries[2] as Probe) // 40
  heap.remove(entries[2] as Probe) // removing twice is harmless
  await clock.tickAsync(35)
  t.same(fired, ['5', '10', '20', '30'])
  await clock.tickAsync(100)
  t.same(fired, ['5', '10', '20', '30', '50', '60'])
  t.equal(heap.size, 0)
  t.equal(clock.countTimers(), 0, 'no timer left when the heap is empty')
})

t.test('an earlier entry re-arms; removal keeps heap order', async (t) => {
  const clock = fakeClock(t, { now: 0 })
  const heap = new TimerHeap()
  const fired: string[] = []
  const list: Probe[] = []
  for (let i = 0; i < 40; i++) {
    const e = new Probe(fired, String(i))
    list.push(e)
    heap.add(e, 1000 - i * 10)
  }
  for (let i = 0; i < 40; i += 3) heap.remove(list[i] as Probe)
  await clock.tickAsync(2000)
  const expected = list.map((_, i) => i).filter((i) => i % 3 !== 0).sort((a, b) => b - a).map(String)
  t.same(fired, expected)
})

t.test('entries added while firing are honoured; clear drops everything', async (t) => {
  const clock = fakeClock(t, { now: 0 })
  const heap = new TimerHeap()
  const fired: string[] = []
  class Chain extends TimerEntry {
    onTimer (): void {
      fired.push('first')
      heap.add(new Probe(fired, 'second'), Date.now() + 10)
    }
  }
  heap.add(new Chain(), 10)
  await clock.tickAsync(15)
  t.same(fired, ['first'])
  await clock.tickAsync(10)
  t.same(fired, ['first', 'second'])
  const late = new Probe(fired, 'never')
  heap.add(late, 100)
  heap.clear()
  t.equal(late.index, -1)
  t.equal(clock.countTimers(), 0)
  await clock.tickAsync(200)
  t.same(fired, ['first', 'second'])
})

t.test('addAfter stamps a batch once per event-loop turn, never early', async (t) => {
  const clock = fakeClock(t, { now: 0 })
  const heap = new TimerHeap()
  const fired: string[] = []
  const a = new Probe(fired, 'a')
  const b = new Probe(fired, 'b')
  const c = new Probe(fired, 'c')
  heap.addAfter(a, 100)
  heap.addAfter(b, 100)
  heap.addAfter(c, 50)
  heap.remove(a) // not the last one added: skipped by the stamp
  heap.remove(c) // the last one added: popped at once
  t.equal(a.index, -1)
  clock.setSystemTime(30) // the turn ends 30 ms later (a long task): deadlines count from then
  t.equal(heap.size, 0, 'nothing stamped during the turn')
  clock.tick(0) // end of the turn: the immediate stamps the batch
  t.equal(heap.size, 1)
  clock.tick(99)
  t.same(fired, [])
  clock.tick(1)
  t.same(fired, ['b'])
  heap.addAfter(new Probe(fired, 'never'), 10)
  heap.clear()
  clock.tick(100)
  t.same(fired, ['b'])
})

/** Records the delay of every `setTimeout` armed until `restore()` (wraps the installed fake clock's). */
function recordDelays (): { delays: number[], restore: () => void } {
  const delays: number[] = []
  const installed = globalThis.setTimeout
  globalThis.setTimeout = ((fn: () => void, ms: number) => {
    delays.push(ms)
    return installed(fn, ms)
  }) as typeof setTimeout
  return { delays, restore: () => { globalThis.setTimeout = installed } }
}

const FORTY_DAYS = 40 * 24 * 3600 * 1000 // 3_456_000_000 ms, beyond Node's timer limit

t.test('an entry beyond 2^31-1 ms is reached in bounded steps and fires on time', async (t) => {
  const clock = fakeClock(t, { now: 0 })
  const heap = new TimerHeap()
  const fired: number[] = []
  class At extends TimerEntry {
    onTimer (): void { fired.push(Date.now()) }
  }
  const { delays, restore } = recordDelays()
  try {
    heap.add(new At(), 3e9)
    await clock.tickAsync(10)
    // Unfixed, setTimeout(3e9) fires after 1 ms and re-arms every millisecond: stop here.
    if (!t.same(delays, [MAX_TIMER_MS], 'one timer armed, at the limit')) return
    heap.add(new At(), 2.5e9) // later than the armed timer fires: no re-arm
    t.equal(delays.length, 1)
    await clock.tickAsync(2.5e9 - 10 - 1)
    t.same(fired, [])
    await clock.tickAsync(1)
    t.same(fired, [2.5e9])
    await clock.tickAsync(3e9 - 2.5e9 - 1)
    t.same(fired, [2.5e9])
    await clock.tickAsync(1)
    t.same(fired, [2.5e9, 3e9], 'each entry fires at its time')
    t.same(delays, [MAX_TIMER_MS, 2.5e9 - MAX_TIMER_MS, 3e9 - 2.5e9], 'armed three times in all')
  } finally {
    restore()
  }
})

t.test('a per-call deadline 40 days out arms twice and fires on time', async (t) => {
  const clock = fakeClock(t, { now: 0 })
  const p = createPolicy({ timers: new TimerHeap(), breaker: false })
  const { delays, restore } = recordDelays()
  try {
    let settled = false
    const r = settle(p.execute(() => new Promise<never>(() => {}), { deadline: FORTY_DAYS }))
    r.then(() => { settled = true }, () => {})
    await clock.tickAsync(10)
    if (!t.same(delays, [MAX_TIMER_MS], 'one timer armed, at the limit')) return
    await clock.tickAsync(FORTY_DAYS - 10 - 1)
    t.equal(settled, false, 'not a millisecond early')
    await clock.tickAsync(1)
    t.match(await r, { ok: false, error: { code: 'HL_BREAKER_DEADLINE_EXCEEDED' } })
    t.equal(Date.now(), FORTY_DAYS)
    t.same(delays, [MAX_TIMER_MS, FORTY_DAYS - MAX_TIMER_MS], 'armed twice in 40 days')
  } finally {
    restore()
  }
})

t.test('a far entry causes no TimeoutOverflowWarning (real timers)', async (t) => {
  const warnings: string[] = []
  const onWarning = (warning: Error): void => { warnings.push(warning.name) }
  process.on('warning', onWarning)
  t.teardown(() => { process.off('warning', onWarning) })
  const heap = new TimerHeap()
  heap.add(new Probe([], 'far'), Date.now() + FORTY_DAYS)
  // Node emits the warning on the next tick of the setTimeout call: one immediate is enough.
  await new Promise((resolve) => setImmediate(resolve))
  heap.clear()
  t.same(warnings, [])
})

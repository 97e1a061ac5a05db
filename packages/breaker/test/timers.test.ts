import t from 'tap'
import FakeTimers from '@sinonjs/fake-timers'
import { TimerEntry, TimerHeap } from '../src/core/timers.js'
import { fakeClock } from './helpers.js'

class Probe extends TimerEntry {
  constructor (readonly fired: string[], readonly label: string) { super() }
  onTimer (): void { this.fired.push(this.label) }
}

t.test('fires entries in deadline order with one timer', async (t) => {
  const clock = fakeClock(t, 0)
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
  const clock = fakeClock(t, 0)
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
  const clock = fakeClock(t, 0)
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
  const clock = FakeTimers.install({ now: 0, toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'Date'] })
  t.teardown(() => clock.uninstall())
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

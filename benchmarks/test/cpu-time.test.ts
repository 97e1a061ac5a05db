import { fileURLToPath } from 'node:url'
import t from 'tap'
import { cpuSample } from '../src/lib/cpu-time.js'

// A /proc tree for pid 4242, whose command name holds a space and a ')' (a stat line is split after
// the last ')'): utime 1234 + stime 56 ticks for the process, 1100 + 40 for its main thread.
const procRoot = fileURLToPath(new URL('fixtures/proc', import.meta.url))

t.test('user + system time of the process and of its main thread, in ms (100 ticks a second)', async (t) => {
  t.same(cpuSample(4242, procRoot), { process: 12_900, mainThread: 11_400 })
})

t.test('a process /proc does not know reads as NaN, not as zero', async (t) => {
  const s = cpuSample(999_999, procRoot)
  t.ok(Number.isNaN(s.process) && Number.isNaN(s.mainThread))
})

t.test('the real /proc by default: this process has used some CPU time', async (t) => {
  const s = cpuSample(process.pid)
  t.ok(s.process > 0 && s.mainThread > 0)
})

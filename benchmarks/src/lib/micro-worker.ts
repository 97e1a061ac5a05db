// Child process entry: `node dist/lib/micro-worker.js <suite> <rounds> <timeMs>`.
// One fresh process per suite, so no suite inherits another's JIT feedback or heap.
import { Bench } from 'tinybench'
import { failChild } from './children.js'
import { loadMicroSuite } from './discover.js'

export interface MicroWorkerResult {
  type: 'micro-result'
  /** Calls per timed sample, per task. */
  batch: Record<string, number>
  /** Mean ns/op of each round, per task. */
  nsPerRound: Record<string, number[]>
  /** tinybench's relative margin of error (%) of each round, per task. */
  rmePerRound: Record<string, number[]>
}

type TaskFn = () => unknown

// Results land here so the optimiser cannot drop a call whose value looks unused.
const sink: { value: unknown } = { value: undefined }

function isThenable (v: unknown): v is PromiseLike<unknown> {
  return typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'
}

// Each sample times a batch of calls: one clock read per ~50 µs of work instead of per call,
// so the clock's own cost (tens of ns) does not swamp cheap operations.
const SAMPLE_TARGET_MS = 0.05

async function calibrate (fn: TaskFn, isAsync: boolean): Promise<number> {
  for (let n = 1; ; n *= 2) {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) sink.value = isAsync ? await fn() : fn()
    const elapsed = performance.now() - t0
    if (elapsed >= 5 || n >= 1 << 24) {
      return Math.min(1_000_000, Math.max(1, Math.round(SAMPLE_TARGET_MS / (elapsed / n))))
    }
  }
}

function batched (fn: TaskFn, n: number, isAsync: boolean): () => unknown {
  if (isAsync) {
    return async () => {
      const t0 = performance.now()
      for (let i = 0; i < n; i++) sink.value = await fn()
      const elapsed = performance.now() - t0
      return { overriddenDuration: elapsed / n, overriddenIterationCost: elapsed }
    }
  }
  return () => {
    const t0 = performance.now()
    for (let i = 0; i < n; i++) sink.value = fn()
    const elapsed = performance.now() - t0
    return { overriddenDuration: elapsed / n, overriddenIterationCost: elapsed }
  }
}

async function main (): Promise<void> {
  const [name, roundsArg, timeArg] = process.argv.slice(2)
  const rounds = Number(roundsArg)
  const timeMs = Number(timeArg)
  if (name === undefined || !(rounds >= 1) || !(timeMs > 0)) throw new Error('usage: node dist/lib/micro-worker.js <suite> <rounds> <timeMs>')
  const suite = await loadMicroSuite(name)
  const keys = Object.keys(suite.tasks)
  await suite.setup?.()

  const wrapped: Record<string, { fn: () => unknown, async: boolean }> = {}
  const batch: Record<string, number> = {}
  for (const key of keys) {
    const fn = suite.tasks[key] as TaskFn
    const isAsync = isThenable(fn())
    const n = await calibrate(fn, isAsync)
    batch[key] = n
    wrapped[key] = { fn: batched(fn, n, isAsync), async: isAsync }
  }

  const nsPerRound: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]))
  const rmePerRound: Record<string, number[]> = Object.fromEntries(keys.map((k) => [k, []]))
  for (let r = 0; r < rounds; r++) {
    // Rotate the order each round so no task always runs first (coldest) or last.
    const order = keys.map((_, i) => keys[(i + r) % keys.length] as string)
    const bench = new Bench({ time: timeMs, warmupTime: Math.min(200, timeMs / 5), iterations: 16, warmupIterations: 4, throws: true })
    for (const key of order) {
      const w = wrapped[key] as { fn: () => unknown, async: boolean }
      bench.add(key, w.fn, { async: w.async })
    }
    await bench.run()
    for (const task of bench.tasks) {
      const res = task.result
      if (res.state !== 'completed') throw new Error(`task "${task.name}" ended in state ${res.state}`)
      nsPerRound[task.name]?.push(res.latency.mean * 1e6)
      rmePerRound[task.name]?.push(res.latency.rme)
    }
    process.stderr.write(`  round ${r + 1}/${rounds}: ${order.map((k) => `${k} ${(nsPerRound[k]?.at(-1) ?? 0).toFixed(1)} ns`).join(', ')}\n`)
  }
  await suite.teardown?.()

  const result: MicroWorkerResult = { type: 'micro-result', batch, nsPerRound, rmePerRound }
  if (process.send === undefined) {
    console.log(JSON.stringify(result, null, 2))
    return
  }
  process.send(result, () => process.exit(0))
}

main().catch(failChild)

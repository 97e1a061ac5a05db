import { Histogram, Registry } from 'prom-client'
import type { MicroSuite } from './types.js'

// A private registry: nothing here touches prom-client's global one.
const registry = new Registry()
const labelled = new Histogram({
  name: 'http_request_duration_seconds',
  help: 'request duration in seconds',
  labelNames: ['method', 'route', 'status_code'] as const,
  registers: [registry]
})
const unlabelled = new Histogram({ name: 'plain_duration_seconds', help: 'no labels', registers: [registry] })
// prom-client's child keeps the labels object but still validates and hashes it on every observe.
const child = labelled.labels('GET', '/users/:id', '200')

// The floor: one series resolved once into a handle of typed-array counters (what a
// precomputed-handle design does per request). Same bounds as prom-client's defaults.
const bounds = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
const handle = { counts: new Float64Array(bounds.length + 1), sum: 0 }
function observeHandle (v: number): void {
  let b = 0
  while (b < bounds.length && v > (bounds[b] as number)) b++
  handle.counts[b]! += 1
  handle.sum += v
}

// Durations spread over the default buckets (1 ms .. ~9.6 s), cycled by index.
const values = Float64Array.from({ length: 1024 }, (_, i) => 0.001 * 1.009 ** i)
let i = 0
// A typed-array slot, so the baseline does not box a new heap number on every add.
const total = new Float64Array(1)

const suite: MicroSuite = {
  name: 'prom-histogram',
  description: 'prom-client 15 Histogram `observe` per request: 3 labels passed as a fresh object per call ' +
    '(what fastify-metrics does), a `labels(...)` child cached once, no labels at all, and a precomputed ' +
    'typed-array handle (the floor @highload/metrics aims at), each against adding to a number.',
  baseline: 'add to a number',
  tasks: {
    'add to a number': () => {
      total[0]! += values[i++ & 1023] as number
    },
    'observe({ 3 labels }, v)': () => {
      labelled.observe({ method: 'GET', route: '/users/:id', status_code: '200' }, values[i++ & 1023] as number)
    },
    'cached labels(...).observe(v)': () => {
      child.observe(values[i++ & 1023] as number)
    },
    'observe(v), no labels': () => {
      unlabelled.observe(values[i++ & 1023] as number)
    },
    'precomputed handle (floor)': () => {
      observeHandle(values[i++ & 1023] as number)
    }
  },
  teardown: () => {
    registry.clear()
  }
}

export default suite

import { circuitBreaker as cockatielBreaker, ConsecutiveBreaker, handleAll } from 'cockatiel'
import CircuitBreaker from 'opossum'
import { createPolicy } from '@highload/breaker'
import type { MicroSuite } from './types.js'

// The protected function: an async function that returns at once, so every nanosecond above
// the baseline is the wrapper's own cost.
const work = async (): Promise<number> => 42
const workWithSignal = async (signal: AbortSignal): Promise<boolean> => signal.aborted

// Thresholds that never trip on successes: every task measures the closed path.
const closed = createPolicy({ name: 'bench' })
const timed = createPolicy({ name: 'bench-timeout', timeoutMs: 10_000 })
const timedSignal = createPolicy({ name: 'bench-timeout-signal', timeoutMs: 10_000 })
const cockatiel = cockatielBreaker(handleAll, { halfOpenAfter: 10_000, breaker: new ConsecutiveBreaker(5) })
const opossum = new CircuitBreaker(work, { timeout: false })
const opossumTimeout = new CircuitBreaker(work, { timeout: 10_000 })

const suite: MicroSuite = {
  name: 'breaker',
  description: 'Closed-path cost of a circuit breaker around an async function that returns at once: ' +
    '@highload/breaker without and with an attempt timeout (one shared timer heap, no timer per call), ' +
    'and with a timeout where the work takes its own AbortSignal (an AbortController per call, which ' +
    'opossum and cockatiel\'s breaker do not give), against cockatiel 4 (ConsecutiveBreaker) and opossum 10 ' +
    '(without and with its per-call setTimeout), each against a bare `await`.',
  baseline: 'bare await',
  tasks: {
    'bare await': () => work(),
    'highload breaker (closed)': () => closed.execute(work),
    'highload breaker + attempt timeout': () => timed.execute(work),
    'highload breaker + attempt timeout, work takes its signal': () => timedSignal.execute(workWithSignal),
    'cockatiel circuit breaker': () => cockatiel.execute(work),
    'opossum (no timeout)': () => opossum.fire(),
    'opossum (timeout)': () => opossumTimeout.fire()
  },
  teardown: () => {
    opossum.shutdown()
    opossumTimeout.shutdown()
  },
  maxOverheadNs: {
    'highload breaker (closed)': 150,
    'highload breaker + attempt timeout': 300
  }
}

export default suite

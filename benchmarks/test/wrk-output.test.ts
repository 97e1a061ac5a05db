import { readFileSync } from 'node:fs'
import t from 'tap'
import { parseWrk } from '../src/http/wrk-output.js'

// Recorded with wrk 4.1.0 (Debian) against a loopback server; disturbed.txt is socket-errors.txt
// edited to carry every kind of socket error, non-2xx responses and latencies in seconds.
const fixture = (name: string): string => readFileSync(new URL(`fixtures/wrk/${name}.txt`, import.meta.url), 'utf8')

t.test('a clean run: throughput, latency percentiles in ms, totals, no errors', async (t) => {
  t.same(parseWrk(fixture('clean')), {
    requestsPerSec: 3836.36,
    latencyP50Ms: 1.89,
    latencyP99Ms: 46.73,
    latencyMeanMs: 5.31,
    requests: 3932,
    durationSec: 1.02,
    non2xx: 0,
    errors: 0,
    timeouts: 0
  })
})

t.test('non-2xx responses are counted and are not socket errors', async (t) => {
  const r = parseWrk(fixture('non-2xx'))
  t.equal(r.non2xx, 291)
  t.equal(r.errors, 0)
  t.equal(r.requests, 2910)
})

t.test('a socket-error line: read errors count as errors, not as timeouts', async (t) => {
  const r = parseWrk(fixture('socket-errors'))
  t.equal(r.errors, 50)
  t.equal(r.timeouts, 0)
  t.equal(r.non2xx, 0)
  t.equal(r.requestsPerSec, 2378.31)
})

t.test('a round with every kind of error, latencies in seconds and microseconds', async (t) => {
  const r = parseWrk(fixture('disturbed'))
  t.equal(r.errors, 50 + 2 + 7, 'connect + read + write + timeout')
  t.equal(r.timeouts, 7)
  t.equal(r.non2xx, 3)
  t.equal(r.latencyP99Ms, 1620)
  t.equal(r.latencyMeanMs, 120.31)
  t.equal(r.durationSec, 5)
  const us = parseWrk(fixture('clean').replace('50%    1.89ms', '50%  285.00us').replace('in 1.02s', 'in 2.00m'))
  t.ok(Math.abs(us.latencyP50Ms - 0.285) < 1e-9, 'microseconds')
  t.equal(us.durationSec, 120)
})

t.test('figures wrk left out are NaN; output without a summary throws with the output', async (t) => {
  const r = parseWrk('Requests/sec:   10.5\n')
  t.equal(r.requestsPerSec, 10.5)
  t.ok(Number.isNaN(r.latencyP50Ms) && Number.isNaN(r.requests) && Number.isNaN(r.durationSec))
  t.throws(() => parseWrk('unable to connect to 127.0.0.1:1 Connection refused'), /could not parse wrk output:\nunable to connect/)
})

import type { HttpRound } from '../../src/http/summary.js'

/** A measured round of one side: `rps` req/s at `cpuUs` µs of CPU per request, no errors unless given. */
export function round (n: number, rps: number, cpuUs: number, extra: Partial<HttpRound> = {}): HttpRound {
  return {
    round: n,
    probeStatus: 200,
    requestsPerSec: rps,
    latencyP50Ms: 10 + n,
    latencyP99Ms: 100 + n,
    latencyMeanMs: 12,
    requests: rps * 5,
    durationSec: 5,
    non2xx: 0,
    errors: 0,
    timeouts: 0,
    cpuUsPerRequest: cpuUs,
    mainThreadCpuUsPerRequest: cpuUs * 0.9,
    ...extra
  }
}

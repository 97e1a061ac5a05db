// Parsing what `wrk --latency` prints. Kept apart from running wrk so it can be tested on recorded output.

/** What one load-generator run measured, whichever tool ran it. */
export interface LoadResult {
  requestsPerSec: number
  latencyP50Ms: number
  latencyP99Ms: number
  latencyMeanMs: number
  requests: number
  durationSec: number
  non2xx: number
  /** Socket errors of every kind (connect, read, write, timeout). */
  errors: number
  timeouts: number
}

const UNIT_MS: Record<string, number> = { us: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 }

function wrkTime (text: string, label: string): number {
  const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s|m|h)\\b`, 'm').exec(text)
  return m === null ? Number.NaN : Number(m[1]) * (UNIT_MS[m[2] as string] as number)
}

/**
 * Parses the output of `wrk --latency`. A line wrk leaves out when it has nothing to say
 * ("Socket errors: ...", "Non-2xx or 3xx responses: ...") counts as zero; a figure it cannot find
 * is NaN; output without "Requests/sec" is not wrk's summary and throws.
 */
export function parseWrk (text: string): LoadResult {
  const rps = /^Requests\/sec:\s+([\d.]+)/m.exec(text)
  if (rps === null) throw new Error(`could not parse wrk output:\n${text}`)
  const total = /(\d+) requests in ([\d.]+)(us|ms|s|m|h)/.exec(text)
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(text)
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text)
  const timeouts = sock === null ? 0 : Number(sock[4])
  return {
    requestsPerSec: Number(rps[1]),
    latencyP50Ms: wrkTime(text, '50%'),
    latencyP99Ms: wrkTime(text, '99%'),
    latencyMeanMs: wrkTime(text, 'Latency'),
    requests: total === null ? Number.NaN : Number(total[1]),
    durationSec: total === null ? Number.NaN : Number(total[2]) * (UNIT_MS[total[3] as string] as number) / 1e3,
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    errors: sock === null ? 0 : Number(sock[1]) + Number(sock[2]) + Number(sock[3]) + timeouts,
    timeouts
  }
}

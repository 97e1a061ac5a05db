// The synthetic incident that Prometheus (through `promtool test rules`) and the in-process engine
// are both fed, so their burn-rate alerts can be compared minute by minute.
import type { SloOptions } from '../../src/index.js'

export const MINUTE_MS = 60_000
/** One request every 6 s: few enough to run the in-process side quickly, and a 2% outage is one bad request in 50. */
export const REQUESTS_PER_MINUTE = 10
/** The last minute of the timeline: every alert has cleared by then. */
export const END_MINUTE = 480

export interface Phase {
  readonly name: string
  /** First minute of the phase. */
  readonly from: number
  /** Bad requests in each minute (of REQUESTS_PER_MINUTE), repeating. */
  readonly badPerMinute: readonly number[]
}

// The partial outage fails one request in every 5 minutes (2%). No alert window ever holds exactly
// its threshold's count of bad requests, so no transition hangs on how Prometheus rounds a ratio.
export const PHASES: readonly Phase[] = [
  { name: 'healthy', from: 0, badPerMinute: [0] },
  { name: 'total outage', from: 60, badPerMinute: [REQUESTS_PER_MINUTE] },
  { name: 'partial outage (2%)', from: 70, badPerMinute: [1, 0, 0, 0, 0] },
  { name: 'recovery', from: 130, badPerMinute: [0] }
]

/** Bad requests in minute `m` (the minute from m to m + 1). */
export function badInMinute (m: number): number {
  const phase = PHASES.findLast((p) => p.from <= m) as Phase
  return phase.badPerMinute[(m - phase.from) % phase.badPerMinute.length] as number
}

/**
 * The counters a scrape at each minute 0..END_MINUTE reads: the requests of every minute before it,
 * so the scrape at minute 61 is the first to see the outage that starts at 60.
 */
export function scrapes (): { good: number[], bad: number[] } {
  const good: number[] = []
  const bad: number[] = []
  let g = 0
  let b = 0
  for (let m = 0; m <= END_MINUTE; m++) {
    good.push(g)
    bad.push(b)
    const badNow = badInMinute(m)
    g += REQUESTS_PER_MINUTE - badNow
    b += badNow
  }
  return { good, bad }
}

/** One SLO of each SLI kind, with the default (SRE workbook) windows; in the words. */
export const TIMELINE_SLOS: readonly SloOptions[] = [
  { name: 'availability', target: 0.999, sli: { kind: 'availability' }, routes: ['/availability'] },
  { name: 'latency', target: 0.99, sli: { kind: 'latency', thresholdMs: 300 }, routes: ['/latency'] }
]

export type Severity = 'page' | 'ticket'

/** When an alert fires and clears, in ms from the start of the timeline. */
export interface Transition { fires: number, clears: number }

export type TransitionTable = Record<string, Record<Severity, Transition>>

const at = (minutes: number, seconds = 0): number => minutes * MINUTE_MS + seconds * 1000

/**
 * When the generated rules' alerts fire and clear, as promtool 2.42 evaluates them every minute
 * over one scrape a minute (a window [t - w, t] holds the requests of minutes t - w to t - 1).
 * Each can be checked by hand from the phases above:
 * - availability (budget 0.1%): the scrape at 61 shows a minute of total outage, over every
 *   threshold at once. The 30 m page window holds 2 bad of 300 (0.67% > 6 x 0.1%) at 150 and 1
 *   (0.33%) at 151; the 6 h ticket window 4 of 3,600 (0.11% > 1 x 0.1%) at 470 and 3 at 471.
 * - latency (budget 1%): the page needs the 6 h window (all the history there is) over 6%: 4 of 64
 *   minutes in outage (6.25%) at 64. The 30 m window holds 26 bad of 300 (8.7%) at 98 and 16
 *   (5.3%) at 99; the 6 h ticket window 42 of 3,600 (1.17%) at 427 and 32 (0.89%) at 428.
 */
export const PROMETHEUS: TransitionTable = {
  availability: { page: { fires: at(61), clears: at(151) }, ticket: { fires: at(61), clears: at(471) } },
  latency: { page: { fires: at(64), clears: at(99) }, ticket: { fires: at(61), clears: at(428) } }
}

/**
 * The same timeline through the plugin: requests spread evenly over each minute (one every 6 s,
 * the bad ones first), alerts evaluated every 5 s (the default). Quoted in the README.
 */
export const IN_PROCESS: TransitionTable = {
  availability: { page: { fires: at(60, 20), clears: at(150) }, ticket: { fires: at(60, 5), clears: at(470) } },
  latency: { page: { fires: at(63, 50), clears: at(98, 50) }, ticket: { fires: at(60, 40), clears: at(425) } }
}

/** `61:00` for a time in ms from the start. */
export function clock (ms: number): string {
  const s = Math.round(ms / 1000)
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`
}

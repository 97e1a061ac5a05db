import type { DurationHistogram } from './histogram.js'
import { KNOWN_METHODS, OTHER_METHOD, OVERFLOW_ROUTE, UNMATCHED_ROUTE, type PresetNames } from './names.js'
import type { SloParams } from './slo/options.js'
import { ABORTED, INVALID, TIMEOUT } from './slo/outcomes.js'
import type { SloTracker } from './slo/engine.js'
import { escapeLabel } from './text.js'

/** An SLO as one route records into it. */
interface SloSlot {
  readonly tracker: SloTracker
  readonly outcomes: Uint8Array
  readonly thresholdMs: number
}

/** Recording state of one route and method, built once when the route is added. */
export interface RouteState {
  /** Escaped `method="GET",route="/x"` part of every label set. */
  readonly labels: string
  /** Status slot -> series id; -1 until the series exists. Grows when a new status shows up. */
  ids: Int32Array
  readonly slos: readonly SloSlot[]
  /** The recorder that owns the state: Node's server events reach every app in the process. */
  readonly recorder: Recorder
}

const KNOWN = new Set(KNOWN_METHODS)

export function methodLabel (method: string): string {
  return KNOWN.has(method) ? method : OTHER_METHOD
}

/**
 * Turns (route state, status, duration) into histogram and SLO updates with no allocation:
 * status codes map to dense slots through a table, slots to series ids through the route's own
 * table, and a series' label text exists from its first request on.
 */
export class Recorder {
  private readonly histogram: DurationHistogram
  private readonly names: PresetNames
  private readonly now: () => number
  /** Status code (or pseudo code) -> dense slot, -1 until first seen. */
  private readonly slotOf = new Int16Array(600).fill(-1)
  private readonly codeOf: number[] = []
  private readonly overflowLabels: string
  private readonly unmatched: Readonly<Record<string, RouteState>>

  constructor (histogram: DurationHistogram, names: PresetNames, now: () => number) {
    this.histogram = histogram
    this.names = names
    this.now = now
    this.overflowLabels = `${names.method}="${OTHER_METHOD}",${names.route}="${OVERFLOW_ROUTE}"`
    const unmatched: Record<string, RouteState> = {}
    for (const method of [...KNOWN_METHODS, OTHER_METHOD]) unmatched[method] = this.state(method, UNMATCHED_ROUTE, [])
    this.unmatched = unmatched
  }

  /** State for a route template (or label override) and a method, recording into `slos`. */
  state (method: string, route: string, slos: ReadonlyArray<{ tracker: SloTracker, params: SloParams }>): RouteState {
    const n = this.names
    return {
      labels: `${n.method}="${escapeLabel(methodLabel(method))}",${n.route}="${escapeLabel(route)}"`,
      ids: new Int32Array(8).fill(-1),
      slos: slos.map(({ tracker, params }) => ({ tracker, outcomes: params.outcomes, thresholdMs: params.thresholdMs })),
      recorder: this
    }
  }

  /** The `__unmatched__` state for a request method. */
  unmatchedState (method: string): RouteState {
    return this.unmatched[methodLabel(method)] as RouteState
  }

  /** A finished response. */
  record (state: RouteState, statusCode: number, ms: number): void {
    const code = statusCode >= 100 && statusCode <= 599 ? statusCode : INVALID
    this.histogram.observe(this.series(state, code), ms)
    if (state.slos.length !== 0) this.recordSlos(state, code, ms)
  }

  /** A request that hit the connection timeout: the duration is known, no status was sent. */
  recordTimeout (state: RouteState, ms: number): void {
    this.histogram.observe(this.series(state, TIMEOUT), ms)
    if (state.slos.length !== 0) this.recordSlos(state, TIMEOUT, ms)
  }

  /** A request the client aborted: counted in the +Inf bucket only, as it never completed. */
  recordAbort (state: RouteState): void {
    this.histogram.observeIncomplete(this.series(state, ABORTED))
    if (state.slos.length !== 0) this.recordSlos(state, ABORTED, Infinity)
  }

  private recordSlos (state: RouteState, code: number, ms: number): void {
    const now = this.now()
    const slos = state.slos
    for (let i = 0; i < slos.length; i++) {
      const slo = slos[i] as SloSlot
      const outcome = slo.outcomes[code] as number
      if (outcome === 2) continue
      slo.tracker.window.record(now, outcome === 1 || ms > slo.thresholdMs)
    }
  }

  private series (state: RouteState, code: number): number {
    let slot = this.slotOf[code] as number
    if (slot < 0) {
      slot = this.codeOf.length
      this.codeOf.push(code)
      this.slotOf[code] = slot
    }
    const id = slot < state.ids.length ? state.ids[slot] as number : -1
    return id >= 0 ? id : this.create(state, slot, code)
  }

  private create (state: RouteState, slot: number, code: number): number {
    if (slot >= state.ids.length) {
      const ids = new Int32Array(Math.max(slot + 1, state.ids.length * 2)).fill(-1)
      ids.set(state.ids)
      state.ids = ids
    }
    const id = this.histogram.create(`${state.labels}${this.statusLabels(code)}`, this.overflowLabels)
    state.ids[slot] = id
    return id
  }

  /** `,status="200"` and, in the otel preset, `,error_type="..."` for errors. */
  private statusLabels (code: number): string {
    const { status, errorType } = this.names
    if (errorType === null) {
      const value = code === ABORTED ? '499' : code === TIMEOUT ? '504' : code === INVALID ? OTHER_METHOD : String(code)
      return `,${status}="${value}"`
    }
    if (code === ABORTED) return `,${errorType}="aborted"`
    if (code === TIMEOUT) return `,${errorType}="timeout"`
    if (code === INVALID) return `,${errorType}="${OTHER_METHOD}"`
    return code >= 500 ? `,${status}="${code}",${errorType}="${code}"` : `,${status}="${code}"`
  }
}

import { MAX_TIMER_MS } from '@highload/options'

/**
 * One timer for many deadlines. Every attempt timeout, total deadline and retry back-off of
 * every policy that shares a `TimerHeap` sits in one binary min-heap; a single unref'd
 * `setTimeout` is armed for the earliest entry. Adding an entry whose deadline is later than
 * the armed one (the common case: same timeout, later start) touches no timer at all, and
 * removing an entry never does: the armed timer may fire early, finds nothing due, and re-arms.
 * A deadline beyond Node's timer limit (2^31-1 ms, about 24.8 days) is reached in steps of at
 * most that limit, each one such an early firing.
 */
export abstract class TimerEntry {
  /** Absolute time (Date.now() clock) at which `onTimer` runs. */
  at = 0
  /** Position in the heap; -1 when not scheduled, -2 while waiting in `addAfter`'s batch. */
  index = -1
  /** Called once when `at` is reached, unless removed before. */
  abstract onTimer (): void
}

export class TimerHeap {
  readonly #heap: TimerEntry[] = []
  #timer: ReturnType<typeof setTimeout> | undefined = undefined
  /** When the armed timer fires (Date.now() clock); Infinity when none is armed. */
  #armedAt = Infinity
  readonly #fire = (): void => { this.#onFire() }
  #pending: TimerEntry[] = []
  #stamper: ReturnType<typeof setImmediate> | undefined = undefined
  readonly #stamp = (): void => { this.#onStamp() }

  /** Number of scheduled entries. */
  get size (): number {
    return this.#heap.length
  }

  add (entry: TimerEntry, at: number): void {
    entry.at = at
    const heap = this.#heap
    let i = heap.length
    heap.push(entry)
    // Sift up. Entries with the same timeout arrive in deadline order, so this usually stops at once.
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent] as TimerEntry
      if (p.at <= at) break
      heap[i] = p
      p.index = i
      i = parent
    }
    heap[i] = entry
    entry.index = i
    if (at < this.#armedAt) this.#arm(at)
  }

  /**
   * Schedules `entry` to run `delayMs` after the current event-loop turn. Entries added during
   * one turn share a single clock read, taken by one `setImmediate` at the end of the turn: the
   * entry can run late by the rest of the turn (a timer could not fire sooner anyway), never early.
   */
  addAfter (entry: TimerEntry, delayMs: number): void {
    entry.at = delayMs
    entry.index = -2
    this.#pending.push(entry)
    if (this.#stamper === undefined) {
      const immediate = setImmediate(this.#stamp)
      immediate.unref()
      this.#stamper = immediate
    }
  }

  #onStamp (): void {
    this.#stamper = undefined
    const batch = this.#pending
    this.#pending = []
    const now = Date.now()
    for (const e of batch) {
      if (e.index === -2) this.add(e, now + e.at)
    }
  }

  remove (entry: TimerEntry): void {
    const i = entry.index
    if (i === -2) {
      // Still in the batch: the stamp skips it. The usual case is the entry added last
      // (sequential calls), popped so that the batch does not grow within a long turn.
      entry.index = -1
      const pending = this.#pending
      if (pending[pending.length - 1] === entry) pending.pop()
      return
    }
    if (i < 0) return
    entry.index = -1
    const heap = this.#heap
    const last = heap.pop() as TimerEntry
    if (i === heap.length) return
    heap[i] = last
    last.index = i
    this.#siftDown(i)
    this.#siftUp(last.index)
  }

  /** Clears the timer and forgets every entry without running them (used on close). */
  clear (): void {
    for (const e of this.#heap) e.index = -1
    for (const e of this.#pending) e.index = -1
    this.#heap.length = 0
    this.#pending = []
    if (this.#stamper !== undefined) {
      clearImmediate(this.#stamper)
      this.#stamper = undefined
    }
    this.#disarm()
  }

  #siftUp (i: number): void {
    const heap = this.#heap
    const entry = heap[i] as TimerEntry
    while (i > 0) {
      const parent = (i - 1) >> 1
      const p = heap[parent] as TimerEntry
      if (p.at <= entry.at) break
      heap[i] = p
      p.index = i
      i = parent
    }
    heap[i] = entry
    entry.index = i
  }

  #siftDown (i: number): void {
    const heap = this.#heap
    const n = heap.length
    const entry = heap[i] as TimerEntry
    for (;;) {
      let child = 2 * i + 1
      if (child >= n) break
      const right = child + 1
      if (right < n && (heap[right] as TimerEntry).at < (heap[child] as TimerEntry).at) child = right
      const c = heap[child] as TimerEntry
      if (c.at >= entry.at) break
      heap[i] = c
      c.index = i
      i = child
    }
    heap[i] = entry
    entry.index = i
  }

  #arm (at: number): void {
    this.#disarm()
    const now = Date.now()
    // A longer setTimeout would fire after 1 ms (with a TimeoutOverflowWarning) and, re-armed
    // for the same entry, spin every millisecond: wait the limit, then re-arm for the rest.
    const delay = Math.min(Math.max(0, at - now), MAX_TIMER_MS)
    this.#armedAt = Math.min(at, now + MAX_TIMER_MS)
    const timer = setTimeout(this.#fire, delay)
    timer.unref()
    this.#timer = timer
  }

  #disarm (): void {
    if (this.#timer !== undefined) {
      clearTimeout(this.#timer)
      this.#timer = undefined
    }
    this.#armedAt = Infinity
  }

  #onFire (): void {
    this.#timer = undefined
    this.#armedAt = Infinity
    const heap = this.#heap
    const now = Date.now()
    let top = heap[0]
    while (top !== undefined && top.at <= now) {
      this.remove(top)
      top.onTimer()
      top = heap[0]
    }
    if (top !== undefined && top.at < this.#armedAt) this.#arm(top.at)
  }
}

/** The heap used by policies that were not given one. Its timer is unref'd: it never holds the process open. */
export const defaultTimers = new TimerHeap()

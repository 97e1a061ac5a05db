/**
 * Sliding windows of call outcomes with O(1) updates: running totals are kept and the
 * evicted slot or bucket is subtracted, never re-summed (the Resilience4j design).
 */
export interface OutcomeWindow {
  /** Calls recorded in the window. */
  total: number
  /** Failed calls in the window. */
  failures: number
  /** Slow calls in the window (successful or not, timeouts excluded). */
  slow: number
  record (now: number, failed: boolean, slow: boolean): void
  /** Drops outcomes that fell out of the window (time-based only). */
  advance (now: number): void
  reset (): void
}

const FAILED = 1
const SLOW = 2

/** The last `size` calls. */
export class CountWindow implements OutcomeWindow {
  total = 0
  failures = 0
  slow = 0
  readonly #slots: Uint8Array
  #pos = 0

  constructor (size: number) {
    this.#slots = new Uint8Array(size)
  }

  record (_now: number, failed: boolean, slow: boolean): void {
    const slots = this.#slots
    const pos = this.#pos
    if (this.total === slots.length) {
      const old = slots[pos] as number
      if ((old & FAILED) !== 0) this.failures--
      if ((old & SLOW) !== 0) this.slow--
    } else {
      this.total++
    }
    let bits = 0
    if (failed) { bits = FAILED; this.failures++ }
    if (slow) { bits |= SLOW; this.slow++ }
    slots[pos] = bits
    this.#pos = pos + 1 === slots.length ? 0 : pos + 1
  }

  advance (): void {}

  reset (): void {
    this.#slots.fill(0)
    this.#pos = 0
    this.total = 0
    this.failures = 0
    this.slow = 0
  }
}

/**
 * A ring of `n` equal buckets, each holding `k` counters, with running totals. Used for
 * time-based outcome windows and for the retry budget.
 */
export class BucketRing {
  readonly totals: Float64Array
  readonly #counts: Float64Array
  readonly #n: number
  readonly #k: number
  readonly #bucketMs: number
  #head = -Infinity

  constructor (windowMs: number, buckets: number, counters: number) {
    this.#n = buckets
    this.#k = counters
    this.#bucketMs = windowMs / buckets
    this.#counts = new Float64Array(buckets * counters)
    this.totals = new Float64Array(counters)
  }

  add (now: number, counter: number, amount: number): void {
    this.advance(now)
    const j = (this.#head % this.#n) * this.#k + counter
    this.#counts[j] = (this.#counts[j] as number) + amount
    this.totals[counter] = (this.totals[counter] as number) + amount
  }

  /** Expires every bucket older than the window; at most `n` buckets per call. */
  advance (now: number): void {
    const idx = Math.floor(now / this.#bucketMs)
    const head = this.#head
    if (idx <= head) return
    this.#head = idx
    if (idx - head >= this.#n) {
      this.#counts.fill(0)
      this.totals.fill(0)
      return
    }
    const n = this.#n
    const k = this.#k
    const counts = this.#counts
    const totals = this.totals
    for (let b = head + 1; b <= idx; b++) {
      const base = (b % n) * k
      for (let c = 0; c < k; c++) {
        totals[c] = (totals[c] as number) - (counts[base + c] as number)
        counts[base + c] = 0
      }
    }
  }

  reset (): void {
    this.#counts.fill(0)
    this.totals.fill(0)
    this.#head = -Infinity
  }
}

/** The calls of the last `windowMs`, in `buckets` slices. */
export class TimeWindow implements OutcomeWindow {
  total = 0
  failures = 0
  slow = 0
  readonly #ring: BucketRing

  constructor (windowMs: number, buckets: number) {
    this.#ring = new BucketRing(windowMs, buckets, 3)
  }

  record (now: number, failed: boolean, slow: boolean): void {
    const ring = this.#ring
    ring.add(now, 0, 1)
    if (failed) ring.add(now, 1, 1)
    if (slow) ring.add(now, 2, 1)
    this.#sync()
  }

  advance (now: number): void {
    this.#ring.advance(now)
    this.#sync()
  }

  reset (): void {
    this.#ring.reset()
    this.#sync()
  }

  #sync (): void {
    const t = this.#ring.totals
    this.total = t[0] as number
    this.failures = t[1] as number
    this.slow = t[2] as number
  }
}

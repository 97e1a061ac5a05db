/**
 * A ring of time slots holding total and bad counts. Memory is fixed (2 x slots x 8 bytes)
 * whatever the traffic. Slots are cleared lazily when time moves past them, so no timer is
 * needed and a gap longer than the ring just clears it.
 */
export class Tier {
  readonly resolutionMs: number
  readonly slots: number
  private readonly total: Float64Array
  private readonly bad: Float64Array
  /** Slot number (time / resolution) of the current slot. */
  private epoch = 0
  private current = 0
  /** First instant of the next slot. */
  private next = 0

  constructor (resolutionMs: number, slots: number, now: number) {
    this.resolutionMs = resolutionMs
    this.slots = slots
    this.total = new Float64Array(slots)
    this.bad = new Float64Array(slots)
    this.epoch = Math.floor(now / resolutionMs)
    this.current = this.epoch % slots
    this.next = (this.epoch + 1) * resolutionMs
  }

  get spanMs (): number {
    return this.resolutionMs * this.slots
  }

  /** Moves the current slot to `now`, clearing the slots skipped on the way. */
  advance (now: number): void {
    if (now < this.next) return
    const epoch = Math.floor(now / this.resolutionMs)
    const steps = epoch - this.epoch
    if (steps >= this.slots) {
      this.total.fill(0)
      this.bad.fill(0)
    } else {
      for (let k = 1; k <= steps; k++) {
        const i = (this.current + k) % this.slots
        this.total[i] = 0
        this.bad[i] = 0
      }
    }
    this.epoch = epoch
    this.current = epoch % this.slots
    this.next = (epoch + 1) * this.resolutionMs
  }

  record (now: number, bad: boolean): void {
    if (now >= this.next) this.advance(now)
    this.total[this.current]! += 1
    if (bad) this.bad[this.current]! += 1
  }

  /**
   * Totals of the last `windowMs`: the current (partial) slot and the full slots before it,
   * `ceil(windowMs / resolution)` slots in all, so the covered span is within one slot of the window.
   */
  sum (now: number, windowMs: number): { total: number, bad: number } {
    this.advance(now)
    const n = Math.min(this.slots, Math.ceil(windowMs / this.resolutionMs))
    let total = 0
    let bad = 0
    for (let k = 0; k < n; k++) {
      const i = (this.current - k + this.slots) % this.slots
      total += this.total[i] as number
      bad += this.bad[i] as number
    }
    return { total, bad }
  }
}

const SECOND = 1000
const MINUTE = 60 * SECOND
const HOUR = 60 * MINUTE

/**
 * Three tiers recorded side by side: 10 s x 360 (1 h), 5 min x 864 (72 h), and 1 h slots over
 * the SLO period. A window is read from the finest tier that spans it.
 */
export class TieredWindow {
  private readonly tiers: readonly Tier[]
  readonly startedAt: number
  /** Lifetime counts since the process started tracking. */
  total = 0
  bad = 0

  constructor (periodMs: number, now: number) {
    this.startedAt = now
    this.tiers = [
      new Tier(10 * SECOND, 360, now),
      new Tier(5 * MINUTE, 864, now),
      new Tier(HOUR, Math.ceil(periodMs / HOUR), now)
    ]
  }

  record (now: number, bad: boolean): void {
    this.total++
    if (bad) this.bad++
    const tiers = this.tiers
    for (let i = 0; i < tiers.length; i++) (tiers[i] as Tier).record(now, bad)
  }

  sum (now: number, windowMs: number): { total: number, bad: number } {
    // Windows are validated to fit the period, which the last tier spans.
    const tier = this.tiers.find((t) => t.spanMs >= windowMs) as Tier
    return tier.sum(now, windowMs)
  }
}

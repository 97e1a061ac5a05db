import { BucketRing } from './window.js'

const REQUESTS = 0
const RETRIES = 1

/**
 * Retry budget (Finagle / Envoy style): over the last `windowMs`, retries may not exceed
 * `ratio` × first attempts, with a floor of `minPerSecond` × window seconds so that a quiet
 * dependency can still be retried. During an outage every call fails, so retries are capped at
 * `ratio` extra load instead of multiplying it by `maxAttempts`.
 */
export class RetryBudget {
  readonly #ring: BucketRing
  readonly #ratio: number
  readonly #floor: number

  constructor (ratio: number, minPerSecond: number, windowMs: number) {
    this.#ring = new BucketRing(windowMs, 10, 2)
    this.#ratio = ratio
    this.#floor = minPerSecond * windowMs / 1000
  }

  /** Counts a first attempt. */
  deposit (now: number): void {
    this.#ring.add(now, REQUESTS, 1)
  }

  /** Takes one retry from the budget; false when the budget is spent. */
  tryWithdraw (now: number): boolean {
    const ring = this.#ring
    ring.advance(now)
    const t = ring.totals
    const allowed = Math.max(this.#floor, this.#ratio * (t[REQUESTS] as number))
    if ((t[RETRIES] as number) + 1 > allowed) return false
    ring.add(now, RETRIES, 1)
    return true
  }

  /** Retries still allowed right now. */
  remaining (now: number): number {
    const ring = this.#ring
    ring.advance(now)
    const t = ring.totals
    return Math.max(0, Math.floor(Math.max(this.#floor, this.#ratio * (t[REQUESTS] as number)) - (t[RETRIES] as number)))
  }
}

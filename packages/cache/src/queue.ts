import { withRetryAfter } from '@highload/breaker/core'
import { CacheUnavailableError } from './errors.js'

interface Op {
  readonly label: string
  readonly run: () => Promise<void>
  settled: boolean
  resolve: () => void
  reject: (err: unknown) => void
  timer: NodeJS.Timeout | null
  lastError: unknown
}

/** Swallows a rejection that is handled elsewhere (or cannot happen). */
export function ignore (): void {}

const FIRST_RETRY_MS = 50
const MAX_RETRY_MS = 1000

/**
 * Invalidations (generation bumps, deletes, publishes) that must reach Redis. They run in order;
 * a failed one is retried with back-off until Redis answers. The caller's promise settles by the
 * deadline: resolved when delivered, else rejected with `HL_CACHE_UNAVAILABLE` (the operation stays
 * queued). When the queue is full the oldest operation is dropped.
 */
export class RetryQueue {
  readonly #ops: Op[] = []
  readonly #max: number
  readonly #deadlineMs: number
  readonly #onDrop: (label: string) => void
  #pumping = false
  #closed = false
  #sleep: { timer: NodeJS.Timeout, wake: () => void } | null = null

  constructor (max: number, deadlineMs: number, onDrop: (label: string) => void) {
    this.#max = max
    this.#deadlineMs = deadlineMs
    this.#onDrop = onDrop
  }

  get size (): number {
    return this.#ops.length
  }

  submit (label: string, run: () => Promise<void>): Promise<void> {
    let settle!: () => void
    let fail!: (err: unknown) => void
    const promise = new Promise<void>((resolve, reject) => {
      settle = resolve
      fail = reject
    })
    const op: Op = { label, run, settled: false, resolve: settle, reject: fail, timer: null, lastError: undefined }
    op.timer = setTimeout(() => this.#fail(op), this.#deadlineMs).unref()
    this.#ops.push(op)
    if (this.#ops.length > this.#max) {
      const dropped = this.#ops.shift() as Op
      this.#fail(dropped)
      this.#onDrop(dropped.label)
    }
    this.#pump().catch(ignore) // #pump never rejects: each failure is caught and retried
    return promise
  }

  #fail (op: Op): void {
    if (op.settled) return
    op.settled = true
    if (op.timer !== null) clearTimeout(op.timer)
    op.reject(withRetryAfter(new CacheUnavailableError(op.label, { cause: op.lastError }), 1000))
  }

  async #pump (): Promise<void> {
    if (this.#pumping) return
    this.#pumping = true
    let delay = 0
    while (this.#ops.length > 0 && !this.#closed) {
      const op = this.#ops[0] as Op
      try {
        await op.run()
        if (this.#ops[0] === op) this.#ops.shift()
        delay = 0
        if (!op.settled) {
          op.settled = true
          clearTimeout(op.timer as NodeJS.Timeout)
          op.resolve()
        }
      } catch (err) {
        op.lastError = err
        delay = Math.min(delay === 0 ? FIRST_RETRY_MS : delay * 2, MAX_RETRY_MS)
        await new Promise<void>((resolve) => {
          this.#sleep = { timer: setTimeout(resolve, delay).unref(), wake: resolve }
        })
        this.#sleep = null
      }
    }
    this.#pumping = false
  }

  /** Stops retrying; every pending caller gets `HL_CACHE_UNAVAILABLE`. */
  close (): void {
    this.#closed = true
    if (this.#sleep !== null) {
      clearTimeout(this.#sleep.timer)
      this.#sleep.wake()
    }
    for (const op of this.#ops.splice(0)) this.#fail(op)
  }
}

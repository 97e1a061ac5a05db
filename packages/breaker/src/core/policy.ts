import { BreakerBulkheadFullError, BreakerDeadlineExceededError, BreakerTimeoutError, withRetryAfter } from '../errors.js'
import { backoffDelay, retryAfterMs } from './backoff.js'
import { CircuitState, HALF_OPEN, OPEN, PROBE, REJECT } from './breaker.js'
import { RetryBudget } from './budget.js'
import { callChannel } from './channels.js'
import type { CallEvent, CallOutcome } from './channels.js'
import { parsePolicyOptions } from './options.js'
import type { BreakerState, PolicyOptions, PolicyParams, Verdict } from './options.js'
import { defaultTimers, TimerEntry } from './timers.js'
import type { TimerHeap } from './timers.js'

/** Per-call options. Read as given: nothing is merged or copied. */
export interface CallOptions {
  /**
   * The caller's signal. Aborting it rejects the call at once with `signal.reason`, aborts the
   * work's own signal, and is never counted as a dependency failure.
   */
  signal?: AbortSignal | undefined
  /** Absolute deadline (Date.now() clock, ms). Past it the call fails with `HL_BREAKER_DEADLINE_EXCEEDED`, uncounted. */
  deadline?: number | undefined
  /** Marks the call safe to retry. Defaults to the policy's `retry.idempotent`. */
  idempotent?: boolean | undefined
}

/**
 * The work. It receives its own `AbortSignal` when it declares a parameter (`fn.length > 0`):
 * aborted on this call's timeout, deadline or caller abort only. A function that declares no
 * parameter gets no signal and costs no `AbortController`.
 */
export type Work<T> = (signal: AbortSignal) => T | PromiseLike<T>

/** Point-in-time view of a policy, for dashboards and admin routes. */
export interface PolicySnapshot {
  name: string
  key: string | null
  state: BreakerState
  /** Calls in the breaker's window. */
  calls: number
  failedCalls: number
  slowCalls: number
  /** Failure percentage of the window, or null below `minimumCalls`. */
  failureRate: number | null
  /** Slow-call percentage of the window, or null below `minimumCalls`. */
  slowCallRate: number | null
  /** Attempts running now. */
  inFlight: number
  /** Time until an open breaker admits probes, in ms; 0 unless open. */
  retryAfterMs: number
  /** Retries the budget allows right now, or null without retries or budget. */
  retryBudget: number | null
}

type AnyWork = (signal?: AbortSignal) => unknown

/**
 * Starts the work. Only work that declares a parameter gets its own AbortController (and its
 * cost): `() => client.get(key)` pays nothing for cancellation it cannot use.
 */
function invokeWork (fn: AnyWork, owner: { controller: AbortController | null }): unknown {
  if (fn.length === 0) return fn()
  const controller = new AbortController()
  owner.controller = controller
  return fn(controller.signal)
}

interface RetryContext {
  retryable: boolean
}

/** Marker for plugin-internal construction (shared params and retry budget across keys). */
export class PolicyInit {
  constructor (
    readonly params: PolicyParams,
    readonly key: string | null,
    readonly budget: RetryBudget | null
  ) {}
}

export function createBudget (params: PolicyParams): RetryBudget | null {
  const b = params.retry?.budget
  return b == null ? null : new RetryBudget(b.ratio, b.minPerSecond, b.windowMs)
}

interface Settlers {
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

// One executor for every call's promise instead of a closure per call: `new Promise` runs it
// synchronously, handing the settlers to the call object parked here just before.
let settling: Settlers | null = null
function captureSettlers (resolve: (value: unknown) => void, reject: (error: unknown) => void): void {
  const s = settling as Settlers
  s.resolve = resolve
  s.reject = reject
  settling = null
}

class Engine {
  readonly p: PolicyParams
  readonly b: CircuitState
  readonly name: string
  readonly key: string | null
  readonly timers: TimerHeap
  readonly budget: RetryBudget | null
  readonly maxConcurrent: number
  readonly timeoutMs: number
  readonly slowMs: number
  /** Whether the end of an attempt needs a clock read for the breaker. */
  readonly endClock: boolean
  /** No timeout, retry, deadline, clock: closed calls take the then-chain fast path. */
  readonly fast: boolean
  /** Like `fast` but with an attempt timeout: closed calls take the lean timed path. */
  readonly fastTimed: boolean
  /** No retry and no total deadline: calls without options skip the retry loop. */
  readonly single: boolean
  inFlight = 0
  #fastGen = -1
  // Bound by #bindFast before the first fast call (#fastGen starts at -1).
  #fastOk!: (value: unknown) => unknown
  #fastErr!: (error: unknown) => never

  constructor (params: PolicyParams, key: string | null, budget: RetryBudget | null) {
    this.p = params
    this.name = params.name
    this.key = key
    this.b = new CircuitState(params.breaker, params.name, key, params.onStateChange)
    this.timers = params.timers ?? defaultTimers
    this.budget = budget
    this.maxConcurrent = params.maxConcurrent
    this.timeoutMs = params.timeoutMs
    this.slowMs = params.breaker?.slowCallDurationMs ?? Infinity
    this.endClock = this.slowMs !== Infinity || params.breaker?.windowType === 'time'
    this.single = params.retry === null && params.deadlineMs === Infinity
    this.fast = this.single && !this.endClock && this.timeoutMs === Infinity
    this.fastTimed = this.single && !this.endClock && this.timeoutMs !== Infinity
  }

  execute (fn: AnyWork, opts: CallOptions | undefined): Promise<unknown> {
    if (opts === undefined) {
      if (this.b.state < HALF_OPEN && !callChannel.hasSubscribers) {
        if (this.fast) return this.#fastCall(fn)
        if (this.fastTimed) return this.#timedCall(fn)
      }
      if (this.single) return this.attempt(fn, null, Infinity, Date.now(), 1, null)
    }
    return this.#run(fn, opts)
  }

  // Closed breaker, nothing timed: gate, count, then-chain. Handlers are bound once per
  // breaker generation so the call allocates nothing but the promise.
  #fastCall (fn: AnyWork): Promise<unknown> {
    if (this.inFlight >= this.maxConcurrent) return this.#bulkheadRejection(1, Date.now())
    if (this.#fastGen !== this.b.gen) this.#bindFast()
    this.inFlight++
    let r: unknown
    try {
      r = fn.length === 0 ? fn() : fn(new AbortController().signal)
    } catch (err) {
      r = Promise.reject(err)
    }
    return Promise.resolve(r).then(this.#fastOk, this.#fastErr)
  }

  // Closed breaker with an attempt timeout and no caller signal or deadline: a lean attempt
  // on the shared timer heap (no parent listener, no deadline, no timing).
  #timedCall (fn: AnyWork): Promise<unknown> {
    if (this.inFlight >= this.maxConcurrent) return this.#bulkheadRejection(1, Date.now())
    this.inFlight++
    const call = new TimedCall(this, this.b.gen)
    this.timers.addAfter(call, this.timeoutMs)
    settling = call
    const promise = new Promise(captureSettlers)
    call.run(fn)
    return promise
  }

  #bindFast (): void {
    const b = this.b
    const gen = b.gen
    const classifyResult = this.p.classifyResult
    const classifyError = this.p.classifyError
    this.#fastGen = gen
    this.#fastOk = (value) => {
      this.inFlight--
      const verdict = classifyResult === null ? 'success' : classifyResult(value)
      if (verdict === 'success') b.success(gen, -1, false)
      else if (verdict === 'failure') b.failure(gen, -1, false, value)
      return value
    }
    this.#fastErr = (error) => {
      this.inFlight--
      const verdict = classifyError === null ? 'failure' : classifyError(error)
      if (verdict === 'failure') b.failure(gen, -1, false, error)
      else if (verdict === 'success') b.success(gen, -1, false)
      throw error
    }
  }

  /** One attempt through breaker, bulkhead and attempt timeout. */
  attempt (fn: AnyWork, parent: AbortSignal | null, deadline: number, now: number, n: number, ctx: RetryContext | null): Promise<unknown> {
    const b = this.b
    let probe = false
    if (b.state >= HALF_OPEN) {
      const r = b.acquire(now)
      if (r === REJECT) {
        const err = b.rejection(now)
        this.publish('rejected-open', n, 0, false, err, now)
        return Promise.reject(err)
      }
      probe = r === PROBE
    }
    if (this.inFlight >= this.maxConcurrent) {
      if (probe) b.releaseProbe(b.gen)
      return this.#bulkheadRejection(n, now)
    }
    this.inFlight++
    const a = new Attempt(this, fn, parent, deadline, now, b.gen, probe, n, ctx)
    settling = a
    const promise = new Promise(captureSettlers)
    a.begin()
    return promise
  }

  #bulkheadRejection (n: number, now: number): Promise<never> {
    const err = withRetryAfter(new BreakerBulkheadFullError(this.name, this.maxConcurrent), this.p.bulkheadRetryAfterMs)
    if (callChannel.hasSubscribers) this.publish('rejected-bulkhead', n, 0, false, err, now)
    return Promise.reject(err)
  }

  /** Callers read the clock whenever someone listens, so `now` is real here. */
  publish (outcome: CallOutcome, attempt: number, durationMs: number, slow: boolean, error: unknown, now: number): void {
    if (!callChannel.hasSubscribers) return
    const event: CallEvent = {
      name: this.name,
      key: this.key,
      outcome,
      state: this.b.current(now),
      attempt,
      durationMs,
      slow,
      error
    }
    callChannel.publish(event)
  }

  async #run (fn: AnyWork, opts: CallOptions | undefined): Promise<unknown> {
    let now = Date.now()
    const parent = opts?.signal ?? null
    if (parent !== null && parent.aborted) throw parent.reason
    let deadline = opts?.deadline ?? Infinity
    if (this.p.deadlineMs !== Infinity) deadline = Math.min(deadline, now + this.p.deadlineMs)
    if (deadline <= now) {
      // Expired before we started: the dependency is not called and nothing is counted.
      const err = new BreakerDeadlineExceededError(this.name)
      this.publish('deadline-exceeded', 1, 0, false, err, now)
      throw err
    }
    const retry = this.p.retry
    if (retry === null) return await this.attempt(fn, parent, deadline, now, 1, null)
    const budget = this.budget
    if (budget !== null) budget.deposit(now)
    const idempotent = opts?.idempotent ?? retry.idempotent
    const ctx: RetryContext = { retryable: false }
    let delay = 0
    let n = 0
    let result: unknown
    let error: unknown
    let failed = false
    let again = true
    while (again) {
      n++
      ctx.retryable = false
      failed = false
      try {
        result = await this.attempt(fn, parent, deadline, now, n, ctx)
      } catch (err) {
        error = err
        failed = true
      }
      again = ctx.retryable && idempotent && n < retry.maxAttempts && this.#mayRetry()
      if (!again) break
      now = Date.now()
      delay = backoffDelay(retry.jitter, retry.baseDelayMs, retry.maxDelayMs, n, delay)
      const asked = retryAfterMs(failed ? error : result, now)
      if (asked > delay) delay = asked
      again = asked <= retry.maxRetryAfterMs && now + delay < deadline && (budget === null || budget.tryWithdraw(now))
      if (again && delay > 0) {
        await sleep(this.timers, delay, now, parent)
        now = Date.now()
      }
    }
    if (failed) throw error
    return result
  }

  /** Never retry into an open (or half-open: probes are for real traffic) breaker. */
  #mayRetry (): boolean {
    const state = this.b.current(Date.now())
    return state === 'closed' || state === 'disabled'
  }

  snapshot (): PolicySnapshot {
    const now = Date.now()
    const b = this.b
    const state = b.current(now)
    const w = b.window
    w?.advance(now)
    const calls = w?.total ?? 0
    const min = b.params?.minimumCalls ?? Infinity
    return {
      name: this.name,
      key: this.key,
      state,
      calls,
      failedCalls: w?.failures ?? 0,
      slowCalls: w?.slow ?? 0,
      failureRate: w !== null && calls >= min ? (w.failures * 100) / calls : null,
      slowCallRate: w !== null && calls >= min ? (w.slow * 100) / calls : null,
      inFlight: this.inFlight,
      retryAfterMs: b.state === OPEN ? b.openUntil - now : 0,
      retryBudget: this.budget === null ? null : this.budget.remaining(now)
    }
  }
}

/**
 * One running attempt: its timer entry (attempt timeout or deadline), its caller-abort
 * listener (`handleEvent`, so no closure is allocated) and its own AbortController.
 */
class Attempt extends TimerEntry {
  resolve!: (value: unknown) => void
  reject!: (error: unknown) => void
  controller: AbortController | null = null
  settled = false
  timeoutIsDeadline = false

  constructor (
    readonly e: Engine,
    readonly fn: AnyWork,
    readonly parent: AbortSignal | null,
    readonly deadline: number,
    readonly start: number,
    readonly gen: number,
    readonly probe: boolean,
    readonly n: number,
    readonly ctx: RetryContext | null
  ) {
    super()
  }

  begin (): void {
    const e = this.e
    const timeoutAt = this.start + e.timeoutMs
    const at = timeoutAt < this.deadline ? timeoutAt : this.deadline
    if (at !== Infinity) {
      this.timeoutIsDeadline = this.deadline <= timeoutAt
      e.timers.add(this, at)
    }
    const parent = this.parent
    if (parent !== null) parent.addEventListener('abort', this)
    const fn = this.fn
    let r: unknown
    try {
      r = invokeWork(fn, this)
    } catch (err) {
      this.#onError(err)
      return
    }
    Promise.resolve(r).then((value) => { this.#onValue(value) }, (err: unknown) => { this.#onError(err) })
  }

  #settle (): number {
    this.settled = true
    const e = this.e
    e.inFlight--
    if (this.index >= 0) e.timers.remove(this)
    if (this.parent !== null) this.parent.removeEventListener('abort', this)
    return e.endClock || callChannel.hasSubscribers ? Date.now() : -1
  }

  #onValue (value: unknown): void {
    if (this.settled) return
    const end = this.#settle()
    const e = this.e
    let verdict: Verdict
    try {
      verdict = e.p.classifyResult === null ? 'success' : e.p.classifyResult(value)
    } catch (err) {
      this.#ignore(end, 'ignored', err)
      this.reject(err)
      return
    }
    this.#record(verdict, end, value)
    this.resolve(value)
  }

  #onError (error: unknown): void {
    if (this.settled) return
    const end = this.#settle()
    const e = this.e
    let verdict: Verdict
    try {
      verdict = e.p.classifyError === null ? 'failure' : e.p.classifyError(error)
    } catch (err) {
      this.#ignore(end, 'ignored', err)
      this.reject(err)
      return
    }
    this.#record(verdict, end, error)
    this.reject(error)
  }

  #record (verdict: Verdict, end: number, value: unknown): void {
    const e = this.e
    const duration = end >= 0 ? end - this.start : 0
    const slow = duration >= e.slowMs
    if (verdict === 'success') {
      e.b.success(this.gen, end, slow)
      e.publish('success', this.n, duration, slow, undefined, end)
    } else if (verdict === 'failure') {
      e.b.failure(this.gen, end, slow, value)
      if (this.ctx !== null) this.ctx.retryable = true
      e.publish('failure', this.n, duration, slow, value, end)
    } else {
      this.#ignore(end, 'ignored', value)
    }
  }

  #ignore (end: number, outcome: CallOutcome, error: unknown): void {
    if (this.probe) this.e.b.releaseProbe(this.gen)
    this.e.publish(outcome, this.n, end >= 0 ? end - this.start : 0, false, error, end)
  }

  /** Attempt timeout or deadline reached. */
  onTimer (): void {
    this.#settle()
    const e = this.e
    const now = Date.now()
    let err: Error
    if (this.timeoutIsDeadline) {
      // The caller's budget ran out: not the dependency's fault, not counted.
      err = new BreakerDeadlineExceededError(e.name)
      this.#ignore(now, 'deadline-exceeded', err)
    } else {
      err = new BreakerTimeoutError(e.name, e.timeoutMs)
      // A timeout is one failure, never also a slow call.
      e.b.failure(this.gen, now, false, err)
      if (this.ctx !== null) this.ctx.retryable = true
      e.publish('timeout', this.n, now - this.start, false, err, now)
    }
    this.controller?.abort(err)
    this.reject(err)
  }

  /** The caller's signal aborted. */
  handleEvent (): void {
    // #settle removes this listener, so an abort can only arrive before settlement.
    const end = this.#settle()
    const reason: unknown = (this.parent as AbortSignal).reason
    this.#ignore(end, 'aborted', reason)
    this.controller?.abort(reason)
    this.reject(reason)
  }
}

class Sleep extends TimerEntry {
  resolve!: () => void
  reject!: (reason: unknown) => void
  constructor (readonly timers: TimerHeap, readonly parent: AbortSignal | null) {
    super()
  }

  onTimer (): void {
    this.parent?.removeEventListener('abort', this)
    this.resolve()
  }

  handleEvent (): void {
    this.timers.remove(this)
    this.parent?.removeEventListener('abort', this)
    this.reject((this.parent as AbortSignal).reason)
  }
}

/** Back-off sleep on the shared timer heap; rejects with the caller's abort reason. */
/** The lean attempt of `#timedCall`: same outcome rules as `Attempt`, fewer fields. */
class TimedCall extends TimerEntry {
  resolve!: (value: unknown) => void
  reject!: (error: unknown) => void
  controller: AbortController | null = null
  settled = false

  constructor (readonly e: Engine, readonly gen: number) {
    super()
  }

  run (fn: AnyWork): void {
    let r: unknown
    try {
      r = invokeWork(fn, this)
    } catch (err) {
      this.#onError(err)
      return
    }
    Promise.resolve(r).then((value) => { this.#onValue(value) }, (err: unknown) => { this.#onError(err) })
  }

  #onValue (value: unknown): void {
    if (this.settled) return
    this.settled = true
    const e = this.e
    e.inFlight--
    e.timers.remove(this)
    const classify = e.p.classifyResult
    let verdict: Verdict = 'success'
    if (classify !== null) {
      try {
        verdict = classify(value)
      } catch (err) {
        this.reject(err)
        return
      }
    }
    if (verdict === 'success') e.b.success(this.gen, -1, false)
    else if (verdict === 'failure') e.b.failure(this.gen, -1, false, value)
    this.resolve(value)
  }

  #onError (error: unknown): void {
    if (this.settled) return
    this.settled = true
    const e = this.e
    e.inFlight--
    e.timers.remove(this)
    const classify = e.p.classifyError
    let verdict: Verdict = 'failure'
    if (classify !== null) {
      try {
        verdict = classify(error)
      } catch (err) {
        this.reject(err)
        return
      }
    }
    if (verdict === 'failure') e.b.failure(this.gen, -1, false, error)
    else if (verdict === 'success') e.b.success(this.gen, -1, false)
    this.reject(error)
  }

  onTimer (): void {
    this.settled = true
    const e = this.e
    e.inFlight--
    const err = new BreakerTimeoutError(e.name, e.timeoutMs)
    e.b.failure(this.gen, -1, false, err)
    this.controller?.abort(err)
    this.reject(err)
  }
}

function sleep (timers: TimerHeap, ms: number, now: number, parent: AbortSignal | null): Promise<void> {
  const s = new Sleep(timers, parent)
  return new Promise<void>((resolve, reject) => {
    s.resolve = resolve
    s.reject = reject
    timers.add(s, now + ms)
    parent?.addEventListener('abort', s)
  })
}

/**
 * A resilience policy for one dependency: total deadline → retry (budgeted) → circuit breaker
 * → bulkhead → attempt timeout, outermost first. Every layer is optional; with only one
 * configured it is that layer alone.
 */
export class Policy {
  readonly #e: Engine

  constructor (options?: PolicyOptions) {
    const init = (options as unknown) instanceof PolicyInit ? options as unknown as PolicyInit : null
    if (init !== null) {
      this.#e = new Engine(init.params, init.key, init.budget)
    } else {
      const params = parsePolicyOptions(options)
      this.#e = new Engine(params, null, createBudget(params))
    }
  }

  /** Dependency name. */
  get name (): string {
    return this.#e.name
  }

  /** Per-key breaker key, or null. */
  get key (): string | null {
    return this.#e.key
  }

  /** Current breaker state (an elapsed open period shows as `half-open`). */
  get state (): BreakerState {
    return this.#e.b.current(Date.now())
  }

  /** Attempts running now. */
  get inFlight (): number {
    return this.#e.inFlight
  }

  /**
   * Runs `fn` through the policy. Rejects with `HL_BREAKER_OPEN`, `HL_BREAKER_BULKHEAD_FULL`,
   * `HL_BREAKER_TIMEOUT`, `HL_BREAKER_DEADLINE_EXCEEDED`, the caller's abort reason, or the
   * work's own error (unwrapped).
   */
  execute<T> (fn: Work<T>, opts?: CallOptions): Promise<T> {
    return this.#e.execute(fn as AnyWork, opts) as Promise<T>
  }

  /** Holds the breaker open (FORCED_OPEN) until `reset()`. */
  isolate (): void {
    this.#e.b.isolate(Date.now())
  }

  /** Closes the breaker and clears its window (also ends `isolate()` and `disable()`). */
  reset (): void {
    this.#e.b.reset(Date.now())
  }

  /** Admits every call and records nothing until `reset()`. */
  disable (): void {
    this.#e.b.disable(Date.now())
  }

  snapshot (): PolicySnapshot {
    return this.#e.snapshot()
  }
}

import { BreakerBulkheadFullError, BreakerDeadlineExceededError, BreakerTimeoutError, withRetryAfter } from '../errors.js'
import { backoffDelay, retryAfterMs } from './backoff.js'
import { CircuitState, HALF_OPEN, OPEN, PROBE, REJECT } from './breaker.js'
import { RetryBudget } from './budget.js'
import { callChannel, type CallEvent, type CallOutcome } from './channels.js'
import { parsePolicyOptions, type BreakerState, type Classifier, type PolicyOptions, type PolicyParams, type Verdict } from './options.js'
import { defaultTimers, TimerEntry, type TimerHeap } from './timers.js'

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

/**
 * How an attempt's outcome counts, the one rule every call path follows: the classifier's
 * verdict (by default a value is a `success` and an error a `failure`) is recorded into the
 * breaker, if the generation the attempt was admitted in is still current; `ignore` records
 * nothing. A classifier that throws records nothing either: the throw reaches the caller.
 */
function judge (
  circuit: CircuitState, generation: number, classify: Classifier | null, outcome: unknown, isError: boolean, now: number, slow: boolean
): Verdict {
  const verdict = classify !== null ? classify(outcome) : isError ? 'failure' : 'success'
  if (verdict === 'success') circuit.success(generation, now, slow)
  else if (verdict === 'failure') circuit.failure(generation, now, slow, outcome)
  return verdict
}

interface RetryContext {
  /** Set by an attempt whose outcome may be retried (a failure or a timeout). */
  retryable: boolean
}

/** One retry budget per set of policies sharing `params` (a dependency and its per-key breakers). */
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

/** A policy's state and call paths, behind the public `Policy`. */
class Engine {
  readonly params: PolicyParams
  readonly circuit: CircuitState
  readonly name: string
  readonly key: string | null
  readonly timers: TimerHeap
  readonly budget: RetryBudget | null
  readonly maxConcurrent: number
  readonly timeoutMs: number
  /** A call this long or longer is slow; `Infinity`: slow calls are not tracked. */
  readonly slowCallMs: number
  readonly classifyResult: Classifier | null
  readonly classifyError: Classifier | null
  /** Whether the end of an attempt needs a clock read for the breaker (slow calls, a time window). */
  readonly timesAttempts: boolean
  /** No retry, total deadline, attempt timeout or clock: closed calls without options take `#fastCall`. */
  readonly plainFastPath: boolean
  /** The same but with an attempt timeout: closed calls without options take `#timedCall`. */
  readonly timedFastPath: boolean
  /** No retry and no total deadline: calls without options skip the retry loop. */
  readonly singleAttempt: boolean
  inFlight = 0
  // The fast path's handlers, bound by #bindFast before the first fast call of each breaker
  // generation (#boundGeneration starts at -1, which no generation is).
  #boundGeneration = -1
  #onFastValue!: (value: unknown) => unknown
  #onFastError!: (error: unknown) => never

  constructor (params: PolicyParams, key: string | null, budget: RetryBudget | null) {
    this.params = params
    this.name = params.name
    this.key = key
    this.circuit = new CircuitState(params.breaker, params.name, key, params.onStateChange)
    this.timers = params.timers ?? defaultTimers
    this.budget = budget
    this.maxConcurrent = params.maxConcurrent
    this.timeoutMs = params.timeoutMs
    this.slowCallMs = params.breaker?.slowCallDurationMs ?? Infinity
    this.classifyResult = params.classifyResult
    this.classifyError = params.classifyError
    this.timesAttempts = this.slowCallMs !== Infinity || params.breaker?.windowType === 'time'
    this.singleAttempt = params.retry === null && params.deadlineMs === Infinity
    this.plainFastPath = this.singleAttempt && !this.timesAttempts && this.timeoutMs === Infinity
    this.timedFastPath = this.singleAttempt && !this.timesAttempts && this.timeoutMs !== Infinity
  }

  execute (fn: AnyWork, opts: CallOptions | undefined): Promise<unknown> {
    if (opts === undefined) {
      if (this.circuit.state < HALF_OPEN && !callChannel.hasSubscribers) {
        if (this.plainFastPath) return this.#fastCall(fn)
        if (this.timedFastPath) return this.#timedCall(fn)
      }
      if (this.singleAttempt) return this.attempt(fn, null, Infinity, Date.now(), 1, null)
    }
    return this.#run(fn, opts)
  }

  // Closed breaker, nothing timed: gate, count, then-chain. The handlers are bound once per
  // breaker generation, so the call allocates nothing but the promise.
  #fastCall (fn: AnyWork): Promise<unknown> {
    if (this.inFlight >= this.maxConcurrent) return this.#bulkheadRejection(1, Date.now())
    if (this.#boundGeneration !== this.circuit.generation) this.#bindFast()
    this.inFlight++
    let r: unknown
    try {
      r = fn.length === 0 ? fn() : fn(new AbortController().signal)
    } catch (err) {
      r = Promise.reject(err)
    }
    return Promise.resolve(r).then(this.#onFastValue, this.#onFastError)
  }

  // Closed breaker with an attempt timeout and no caller signal or deadline: a lean attempt
  // on the shared timer heap (no parent listener, no deadline, no timing).
  #timedCall (fn: AnyWork): Promise<unknown> {
    if (this.inFlight >= this.maxConcurrent) return this.#bulkheadRejection(1, Date.now())
    this.inFlight++
    const call = new TimedCall(this, this.circuit.generation)
    this.timers.addAfter(call, this.timeoutMs)
    settling = call
    const promise = new Promise(captureSettlers)
    call.run(fn)
    return promise
  }

  #bindFast (): void {
    const circuit = this.circuit
    const generation = circuit.generation
    const classifyResult = this.classifyResult
    const classifyError = this.classifyError
    this.#boundGeneration = generation
    this.#onFastValue = (value) => {
      this.inFlight--
      judge(circuit, generation, classifyResult, value, false, -1, false)
      return value
    }
    this.#onFastError = (error) => {
      this.inFlight--
      judge(circuit, generation, classifyError, error, true, -1, false)
      throw error
    }
  }

  /** One attempt through breaker, bulkhead and attempt timeout. */
  attempt (fn: AnyWork, parent: AbortSignal | null, deadline: number, now: number, attemptNumber: number, retry: RetryContext | null): Promise<unknown> {
    const circuit = this.circuit
    let probe = false
    if (circuit.state >= HALF_OPEN) {
      const admission = circuit.acquire(now)
      if (admission === REJECT) {
        const err = circuit.rejection(now)
        this.publish('rejected-open', attemptNumber, 0, false, err, now)
        return Promise.reject(err)
      }
      probe = admission === PROBE
    }
    if (this.inFlight >= this.maxConcurrent) {
      if (probe) circuit.releaseProbe(circuit.generation)
      return this.#bulkheadRejection(attemptNumber, now)
    }
    this.inFlight++
    const a = new Attempt(this, fn, parent, deadline, now, circuit.generation, probe, attemptNumber, retry)
    settling = a
    const promise = new Promise(captureSettlers)
    a.begin()
    return promise
  }

  #bulkheadRejection (attemptNumber: number, now: number): Promise<never> {
    const err = withRetryAfter(new BreakerBulkheadFullError(this.name, this.maxConcurrent), this.params.bulkheadRetryAfterMs)
    if (callChannel.hasSubscribers) this.publish('rejected-bulkhead', attemptNumber, 0, false, err, now)
    return Promise.reject(err)
  }

  /** Callers read the clock whenever someone listens, so `now` is real here. */
  publish (outcome: CallOutcome, attempt: number, durationMs: number, slow: boolean, error: unknown, now: number): void {
    if (!callChannel.hasSubscribers) return
    const event: CallEvent = {
      name: this.name,
      key: this.key,
      outcome,
      state: this.circuit.current(now),
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
    if (this.params.deadlineMs !== Infinity) deadline = Math.min(deadline, now + this.params.deadlineMs)
    if (deadline <= now) {
      // Expired before we started: the dependency is not called and nothing is counted.
      const err = new BreakerDeadlineExceededError(this.name)
      this.publish('deadline-exceeded', 1, 0, false, err, now)
      throw err
    }
    const retry = this.params.retry
    if (retry === null) return await this.attempt(fn, parent, deadline, now, 1, null)
    const budget = this.budget
    if (budget !== null) budget.deposit(now)
    const idempotent = opts?.idempotent ?? retry.idempotent
    const context: RetryContext = { retryable: false }
    let delay = 0
    let attemptNumber = 0
    let result: unknown
    let error: unknown
    let failed = false
    let again = true
    while (again) {
      attemptNumber++
      context.retryable = false
      failed = false
      try {
        result = await this.attempt(fn, parent, deadline, now, attemptNumber, context)
      } catch (err) {
        error = err
        failed = true
      }
      again = context.retryable && idempotent && attemptNumber < retry.maxAttempts && this.#mayRetry()
      if (!again) break
      now = Date.now()
      delay = backoffDelay(retry.jitter, retry.baseDelayMs, retry.maxDelayMs, attemptNumber, delay)
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
    const state = this.circuit.current(Date.now())
    return state === 'closed' || state === 'disabled'
  }

  snapshot (): PolicySnapshot {
    const now = Date.now()
    const circuit = this.circuit
    const state = circuit.current(now)
    const w = circuit.window
    w?.advance(now)
    const calls = w?.total ?? 0
    const min = circuit.params?.minimumCalls ?? Infinity
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
      retryAfterMs: circuit.state === OPEN ? circuit.openUntil - now : 0,
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
  /** Whether the armed timer is the caller's deadline (not counted) rather than the attempt timeout. */
  timeoutIsDeadline = false

  constructor (
    readonly engine: Engine,
    readonly fn: AnyWork,
    readonly parent: AbortSignal | null,
    readonly deadline: number,
    readonly start: number,
    readonly generation: number,
    readonly probe: boolean,
    readonly attemptNumber: number,
    readonly retry: RetryContext | null
  ) {
    super()
  }

  begin (): void {
    const engine = this.engine
    const timeoutAt = this.start + engine.timeoutMs
    const at = timeoutAt < this.deadline ? timeoutAt : this.deadline
    if (at !== Infinity) {
      this.timeoutIsDeadline = this.deadline <= timeoutAt
      engine.timers.add(this, at)
    }
    const parent = this.parent
    if (parent !== null) parent.addEventListener('abort', this)
    let r: unknown
    try {
      r = invokeWork(this.fn, this)
    } catch (err) {
      this.#onOutcome(err, true)
      return
    }
    Promise.resolve(r).then((value) => { this.#onOutcome(value, false) }, (err: unknown) => { this.#onOutcome(err, true) })
  }

  #settle (): number {
    this.settled = true
    const engine = this.engine
    engine.inFlight--
    if (this.index >= 0) engine.timers.remove(this)
    if (this.parent !== null) this.parent.removeEventListener('abort', this)
    return engine.timesAttempts || callChannel.hasSubscribers ? Date.now() : -1
  }

  #onOutcome (outcome: unknown, isError: boolean): void {
    if (this.settled) return
    const end = this.#settle()
    const engine = this.engine
    const duration = end >= 0 ? end - this.start : 0
    const slow = duration >= engine.slowCallMs
    let verdict: Verdict
    try {
      verdict = judge(engine.circuit, this.generation, isError ? engine.classifyError : engine.classifyResult, outcome, isError, end, slow)
    } catch (err) {
      this.#ignore(end, 'ignored', err)
      this.reject(err)
      return
    }
    if (verdict === 'success') {
      engine.publish('success', this.attemptNumber, duration, slow, undefined, end)
    } else if (verdict === 'failure') {
      if (this.retry !== null) this.retry.retryable = true
      engine.publish('failure', this.attemptNumber, duration, slow, outcome, end)
    } else {
      this.#ignore(end, 'ignored', outcome)
    }
    if (isError) this.reject(outcome)
    else this.resolve(outcome)
  }

  #ignore (end: number, outcome: CallOutcome, error: unknown): void {
    if (this.probe) this.engine.circuit.releaseProbe(this.generation)
    this.engine.publish(outcome, this.attemptNumber, end >= 0 ? end - this.start : 0, false, error, end)
  }

  /** Attempt timeout or deadline reached. */
  onTimer (): void {
    this.#settle()
    const engine = this.engine
    const now = Date.now()
    let err: Error
    if (this.timeoutIsDeadline) {
      // The caller's budget ran out: not the dependency's fault, not counted.
      err = new BreakerDeadlineExceededError(engine.name)
      this.#ignore(now, 'deadline-exceeded', err)
    } else {
      err = new BreakerTimeoutError(engine.name, engine.timeoutMs)
      // A timeout is one failure, never also a slow call.
      engine.circuit.failure(this.generation, now, false, err)
      if (this.retry !== null) this.retry.retryable = true
      engine.publish('timeout', this.attemptNumber, now - this.start, false, err, now)
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

/** The lean attempt of `#timedCall`: the same outcome rule as `Attempt`, fewer fields. */
class TimedCall extends TimerEntry {
  resolve!: (value: unknown) => void
  reject!: (error: unknown) => void
  controller: AbortController | null = null
  settled = false

  constructor (readonly engine: Engine, readonly generation: number) {
    super()
  }

  run (fn: AnyWork): void {
    let r: unknown
    try {
      r = invokeWork(fn, this)
    } catch (err) {
      this.#onOutcome(err, true)
      return
    }
    Promise.resolve(r).then((value) => { this.#onOutcome(value, false) }, (err: unknown) => { this.#onOutcome(err, true) })
  }

  #onOutcome (outcome: unknown, isError: boolean): void {
    if (this.settled) return
    this.settled = true
    const engine = this.engine
    engine.inFlight--
    engine.timers.remove(this)
    try {
      judge(engine.circuit, this.generation, isError ? engine.classifyError : engine.classifyResult, outcome, isError, -1, false)
    } catch (err) {
      this.reject(err)
      return
    }
    if (isError) this.reject(outcome)
    else this.resolve(outcome)
  }

  onTimer (): void {
    this.settled = true
    const engine = this.engine
    engine.inFlight--
    const err = new BreakerTimeoutError(engine.name, engine.timeoutMs)
    engine.circuit.failure(this.generation, -1, false, err)
    this.controller?.abort(err)
    this.reject(err)
  }
}

/** A back-off sleep on the shared timer heap; rejects with the caller's abort reason. */
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

function sleep (timers: TimerHeap, ms: number, now: number, parent: AbortSignal | null): Promise<void> {
  const s = new Sleep(timers, parent)
  return new Promise<void>((resolve, reject) => {
    s.resolve = resolve
    s.reject = reject
    timers.add(s, now + ms)
    parent?.addEventListener('abort', s)
  })
}

// Set by `policyFromParams` just before it calls the constructor: the engine the new policy
// adopts instead of parsing options, so the public constructor keeps one signature.
let adopted: Engine | null = null

/**
 * A resilience policy for one dependency: total deadline → retry (budgeted) → circuit breaker
 * → bulkhead → attempt timeout, outermost first. Every layer is optional; with only one
 * configured it is that layer alone. `R` is what `classifyResult` judges, so `execute` only
 * takes work that returns it.
 */
export class Policy<R = unknown> {
  readonly #engine: Engine

  constructor (options?: PolicyOptions<R>) {
    const engine = adopted
    if (engine !== null) {
      adopted = null
      this.#engine = engine
    } else {
      const params = parsePolicyOptions(options)
      this.#engine = new Engine(params, null, createBudget(params))
    }
  }

  /** Dependency name. */
  get name (): string {
    return this.#engine.name
  }

  /** Per-key breaker key, or null. */
  get key (): string | null {
    return this.#engine.key
  }

  /** Current breaker state (an elapsed open period shows as `half-open`). */
  get state (): BreakerState {
    // Only an open breaker changes state with time: read the clock only then (routers poll this per call).
    const circuit = this.#engine.circuit
    return circuit.isOpen() ? circuit.current(Date.now()) : circuit.name()
  }

  /** Attempts running now. */
  get inFlight (): number {
    return this.#engine.inFlight
  }

  /**
   * Runs `fn` through the policy. Rejects with `HL_BREAKER_OPEN`, `HL_BREAKER_BULKHEAD_FULL`,
   * `HL_BREAKER_TIMEOUT`, `HL_BREAKER_DEADLINE_EXCEEDED`, the caller's abort reason, or the
   * work's own error (unwrapped).
   */
  execute<T extends R> (fn: Work<T>, opts?: CallOptions): Promise<T> {
    return this.#engine.execute(fn as AnyWork, opts) as Promise<T>
  }

  /** Holds the breaker open (FORCED_OPEN) until `reset()`. */
  isolate (): void {
    this.#engine.circuit.isolate(Date.now())
  }

  /** Closes the breaker and clears its window (also ends `isolate()` and `disable()`). */
  reset (): void {
    this.#engine.circuit.reset(Date.now())
  }

  /** Admits every call and records nothing until `reset()`. */
  disable (): void {
    this.#engine.circuit.disable(Date.now())
  }

  /** A point-in-time view of the breaker, bulkhead and retry budget. */
  snapshot (): PolicySnapshot {
    return this.#engine.snapshot()
  }
}

/**
 * A policy from params that are already validated: a plugin dependency and its per-key
 * breakers share one set of params and one retry budget. Internal (not exported by the package).
 */
export function policyFromParams (params: PolicyParams, key: string | null, budget: RetryBudget | null): Policy {
  adopted = new Engine(params, key, budget)
  return new Policy()
}

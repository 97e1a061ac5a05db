import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import type { CloseHookTracker } from './close-hooks.js'
import type { ConnectionTracker } from './connections.js'
import { activeHandles, describeInFlight } from './diagnostics.js'
import { ShutdownCleanupTimeoutError, ShutdownClosingError, ShutdownHardDeadlineError, ShutdownHookFailedError } from './errors.js'
import { publishPhase, type ShutdownPhase } from './events.js'
import { logDrained } from './log-drain.js'
import type { ShutdownBudget, ShutdownParams } from './options.js'

/** Runs at the start of the drain: stop consumers, schedulers and other intake. */
export type ShutdownHook = (context: { reason: string }) => void | Promise<void>

/** How the sequence ended; `start()` resolves with it. */
export interface ShutdownReport {
  reason: string
  /** 0 clean, 1 crash path, cleanup failure or hard deadline. */
  exitCode: number
  elapsedMs: number
  servedDuringDrain: number
  socketsReaped: number
  socketsForced: number
}

/** graceful: signals and start(); crash: error events; cleanup: beforeExit (nothing is listening). */
export type SequenceMode = 'graceful' | 'crash' | 'cleanup'

interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
}

function deferred<T> (): Deferred<T> {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((_resolve) => { resolve = _resolve })
  return { promise, resolve }
}

const ORDER: Record<ShutdownPhase, number> = { running: 0, draining: 1, closing: 2, closed: 3 }

interface HealthLike {
  setReady: (ready: boolean, reason?: string) => void
}

/**
 * The shutdown state machine: running -> draining (readiness off, Connection: close, still
 * serving) -> closing (fastify.close(): listener closed, requests drain, onClose hooks)
 * -> closed. Every wait is bounded by the budget.
 */
export class ShutdownController {
  readonly #fastify: FastifyInstance
  readonly #params: ShutdownParams
  readonly #connections: ConnectionTracker
  readonly #closeHooks: CloseHookTracker
  readonly #abort = new AbortController()
  readonly #inFlight = new Map<FastifyRequest, number>()
  readonly #hooks: ShutdownHook[] = []

  #phase: ShutdownPhase = 'running'
  #reason = ''
  #startedAt = 0
  #budget: ShutdownBudget
  #served = 0
  #reaped = 0
  #forced = 0
  #result: Deferred<ShutdownReport> | undefined
  #executing = false
  #finished = false
  #endDrainDelay: (() => void) | undefined
  #cleanupExpired: Deferred<void> | undefined
  #hardDeadline: NodeJS.Timeout | undefined
  #reapTimer: NodeJS.Timeout | undefined
  #requestDrainTimer: NodeJS.Timeout | undefined
  #cleanupTimer: NodeJS.Timeout | undefined

  /** Set when close-with-grace owns the process: start() then goes through it. */
  launcher: ((reason: string) => void) | undefined

  constructor (fastify: FastifyInstance, params: ShutdownParams, connections: ConnectionTracker, closeHooks: CloseHookTracker) {
    this.#fastify = fastify
    this.#params = params
    this.#connections = connections
    this.#closeHooks = closeHooks
    this.#budget = params.budget
  }

  get phase (): ShutdownPhase { return this.#phase }
  get signal (): AbortSignal { return this.#abort.signal }
  /** True once a sequence has been asked for (signal, crash, start()). */
  get started (): boolean { return this.#result !== undefined }

  // ---- request bookkeeping (hot path: a Map write and a phase check) ----

  requestStarted (request: FastifyRequest): void {
    this.#inFlight.set(request, performance.now())
  }

  requestEnded (request: FastifyRequest): void {
    this.#inFlight.delete(request)
    if (this.#phase !== 'running') this.#served++
  }

  requestAborted (request: FastifyRequest): void {
    this.#inFlight.delete(request)
  }

  /** While shutting down, every HTTP/1.x response tells the client to move on. */
  beforeSend (request: FastifyRequest, reply: FastifyReply): void {
    // HTTP/2 forbids the header; Fastify sends GOAWAY to HTTP/2 sessions on close instead.
    if (this.#phase !== 'running' && request.raw.httpVersionMajor === 1) reply.header('connection', 'close')
  }

  addHook (hook: ShutdownHook): void {
    this.#hooks.push(hook)
    // A hook added after the drain began still gets its chance to stop intake.
    if (this.#phase !== 'running') this.#runHook(hook)
  }

  // ---- the sequence ----

  /** Idempotent; resolves when the sequence is done (just before the exit function runs). */
  start (reason: string): Promise<ShutdownReport> {
    if (this.#result === undefined) {
      this.#result = deferred()
      if (this.launcher === undefined) this.execute(reason, 'graceful')
      else this.launcher(reason)
    }
    return this.#result.promise
  }

  /** Runs the sequence once, then flushes the logger and calls the exit function. */
  execute (reason: string, mode: SequenceMode): Promise<ShutdownReport> {
    this.#result ??= deferred()
    if (!this.#executing) {
      this.#executing = true
      this.#run(reason, mode)
    }
    return this.#result.promise
  }

  /** A second SIGTERM (or other non-SIGINT signal): stop waiting for the drain delay. */
  skipDrainDelay (signal: string): void {
    if (this.#endDrainDelay === undefined) {
      this.#log().info({ signal }, `shutdown: ${signal} received again, already past the drain delay`)
      return
    }
    this.#log().warn({ signal }, `shutdown: second ${signal}, skipping the rest of the drain delay`)
    this.#endDrainDelay()
  }

  async #run (reason: string, mode: SequenceMode): Promise<void> {
    if (this.#phase === 'running') {
      this.#reason = reason
      this.#startedAt = performance.now()
      this.#budget = mode === 'crash' ? this.#params.crashBudget : this.#params.budget
    }
    const budget = this.#budget
    // Not unref'd: if everything else goes quiet while a hook waits on nothing, the process
    // must still exit 1 at the deadline instead of drifting out with code 0.
    this.#hardDeadline = setTimeout(() => this.#onHardDeadline(), Math.max(0, budget.hardDeadlineMs - this.#elapsed()))

    const drainDelayMs = mode === 'graceful' && this.#phase === 'running' ? budget.drainDelayMs : 0
    this.#setPhase('draining')
    this.#log().info({ reason, mode, drainDelayMs, budget }, `shutdown: draining (${reason}), listener closes in ${drainDelayMs} ms`)
    this.#failReadiness()
    for (const hook of this.#hooks) this.#runHook(hook)

    if (drainDelayMs > 0) await this.#drainDelay(drainDelayMs)

    this.#cleanupExpired = deferred()
    const outcome = await Promise.race([
      this.#fastify.close().then(() => 'closed', (err: unknown) => {
        this.#log().error({ err }, 'shutdown: fastify.close() failed')
        return 'failed'
      }),
      this.#cleanupExpired.promise.then(() => 'cleanup timeout')
    ])

    const exitCode = mode === 'crash' || outcome !== 'closed' ? 1 : 0
    this.#setPhase('closed')
    const report = this.#report(exitCode)
    this.#log()[exitCode === 0 ? 'info' : 'error'](report, `shutdown: complete (${outcome}) in ${report.elapsedMs} ms, exiting with code ${exitCode}`)
    await this.#finish(report)
  }

  #drainDelay (ms: number): Promise<void> {
    return new Promise((resolve) => {
      // Deliberately not unref'd: the drain delay is a wait the process must sit through.
      const timer = setTimeout(end, ms)
      const self = this
      this.#endDrainDelay = end
      function end (): void {
        clearTimeout(timer)
        self.#endDrainDelay = undefined
        resolve()
      }
    })
  }

  /** Called from our preClose hook: by the sequence, or by a plain fastify.close(). */
  listenerClosing (): void {
    if (this.#phase === 'running') {
      this.#reason = 'close'
      this.#startedAt = performance.now()
      this.#failReadiness()
    }
    this.#setPhase('closing')
    this.#log().info({ servedDuringDrain: this.#served, inFlight: this.#inFlight.size }, 'shutdown: closing the listener, draining in-flight requests')
    this.#abort.abort(new ShutdownClosingError())

    // Node closes idle sockets once when the listener closes; sockets that go idle later
    // would hold close() for keepAliveTimeout (72 s in Fastify), so reap them repeatedly.
    this.#reaped += this.#connections.reapIdle()
    this.#reapTimer = setInterval(() => { this.#reaped += this.#connections.reapIdle() }, this.#params.reapIntervalMs)
    this.#reapTimer.unref()
    this.#requestDrainTimer = setTimeout(() => this.#forceClose(), this.#budget.requestDrainMs)
    this.#requestDrainTimer.unref()
    this.#fastify.server.once('close', () => this.#listenerClosed())
  }

  #listenerClosed (): void {
    clearInterval(this.#reapTimer)
    clearTimeout(this.#requestDrainTimer)
    this.#cleanupTimer = setTimeout(() => this.#onCleanupTimeout(), this.#budget.cleanupMs)
    // Our own sequence must not end by the event loop running dry (exit code 0) while a hook
    // hangs on a promise nothing will settle; a plain fastify.close() must not be held open.
    if (this.#cleanupExpired === undefined) this.#cleanupTimer.unref()
  }

  #forceClose (): void {
    const inFlight = describeInFlight(this.#inFlight, performance.now())
    const forced = this.#connections.forceAll()
    this.#forced += forced
    this.#log().warn({ socketsForced: forced, inFlight },
      `shutdown: request drain budget of ${this.#budget.requestDrainMs} ms used up, destroyed ${forced} connection(s)`)
  }

  #onCleanupTimeout (): void {
    const hooks = this.#closeHooks.running()
    if (this.#cleanupExpired === undefined) {
      // A plain fastify.close(): we do not own the exit, only report a stuck hook.
      if (hooks.length > 0) {
        this.#log().error({ err: new ShutdownCleanupTimeoutError(this.#budget.cleanupMs, hooks.join('; ')), hooks }, 'shutdown: cleanup budget used up')
      }
      return
    }
    const names = hooks.length > 0 ? hooks.join('; ') : 'an onClose hook registered before @highload/shutdown'
    this.#log().error({ err: new ShutdownCleanupTimeoutError(this.#budget.cleanupMs, names), hooks, ...this.#diagnostics() },
      `shutdown: cleanup budget of ${this.#budget.cleanupMs} ms used up, still running: ${names}`)
    this.#cleanupExpired.resolve()
  }

  #onHardDeadline (): void {
    const err = new ShutdownHardDeadlineError(this.#budget.hardDeadlineMs, this.#phase)
    this.#log().fatal({ err, ...this.#diagnostics() }, `shutdown: hard deadline of ${this.#budget.hardDeadlineMs} ms reached, exiting with code 1`)
    this.#finish(this.#report(1))
  }

  async #finish (report: ShutdownReport): Promise<void> {
    if (this.#finished) return
    this.#finished = true
    clearTimeout(this.#hardDeadline)
    clearTimeout(this.#cleanupTimer)
    await this.#flush()
    ;(this.#result as Deferred<ShutdownReport>).resolve(report)
    this.#params.exit(report.exitCode)
  }

  /** Called from our onClose hook. */
  closed (): void {
    clearInterval(this.#reapTimer)
    clearTimeout(this.#requestDrainTimer)
    this.#connections.stop()
    if (!this.#executing) this.#setPhase('closed')
  }

  // ---- helpers ----

  #failReadiness (): void {
    // Checked now, not at registration, so @highload/health may be registered before or after us.
    if (!this.#fastify.hasDecorator('health')) return
    const health = (this.#fastify as unknown as { health: HealthLike }).health
    this.#safely('readiness', () => health.setReady(false, 'shutting down'))
  }

  #runHook (hook: ShutdownHook): void {
    this.#safely(hook.name || 'anonymous', () => hook({ reason: this.#reason }))
  }

  #safely (label: string, fn: () => unknown): void {
    new Promise((resolve) => { resolve(fn()) }).catch((cause: unknown) => {
      this.#log().error({ err: new ShutdownHookFailedError(label, { cause }) }, `shutdown: ${label} failed`)
    })
  }

  #flush (): Promise<void> {
    const log = this.#fastify.log as unknown as { flush?: (cb: () => void) => void }
    const flushed = typeof log.flush === 'function'
      ? new Promise<void>((resolve) => { (log.flush as (cb: () => void) => void).call(log, resolve) })
      : Promise.resolve()
    return new Promise((resolve) => {
      // Bounded: a stuck transport must not hold the exit past the safety margin.
      const timer = setTimeout(resolve, Math.max(50, Math.floor(this.#budget.safetyMarginMs / 2)))
      flushed.then(() => logDrained(log)).then(() => {
        clearTimeout(timer)
        resolve()
      })
    })
  }

  #setPhase (phase: ShutdownPhase): void {
    if (ORDER[phase] <= ORDER[this.#phase]) return
    this.#phase = phase
    publishPhase({
      phase,
      reason: this.#reason,
      elapsedMs: this.#elapsed(),
      servedDuringDrain: this.#served,
      socketsReaped: this.#reaped,
      socketsForced: this.#forced,
      inFlight: this.#inFlight.size
    })
  }

  #elapsed (): number {
    return Math.round(performance.now() - this.#startedAt)
  }

  #report (exitCode: number): ShutdownReport {
    return {
      reason: this.#reason,
      exitCode,
      elapsedMs: this.#elapsed(),
      servedDuringDrain: this.#served,
      socketsReaped: this.#reaped,
      socketsForced: this.#forced
    }
  }

  #diagnostics (): Record<string, unknown> {
    return {
      phase: this.#phase,
      elapsedMs: this.#elapsed(),
      inFlight: describeInFlight(this.#inFlight, performance.now()),
      openSockets: this.#connections.open,
      socketsForced: this.#forced,
      onCloseHooksRunning: this.#closeHooks.running(),
      activeHandles: activeHandles()
    }
  }

  #log (): FastifyInstance['log'] {
    return this.#fastify.log
  }
}

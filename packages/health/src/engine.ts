import type { FastifyBaseLogger } from 'fastify'
import { Check } from './check.js'
import { publishTransition } from './channel.js'
import { HealthDuplicateCheckError, HealthStartupTaskFailedError } from './errors.js'
import { checkParser, refuse } from './options.js'
import type { CheckParams, CheckState, HealthParams } from './options.js'
import { redact } from './redact.js'

export type Probe = 'liveness' | 'readiness'

/** One line of a probe listing: a built-in gate or a check. */
export interface ProbeLine {
  readonly name: string
  readonly kind: 'ok' | 'failed' | 'warn' | 'pending' | 'excluded'
  /** Whether this line fails the probe. */
  readonly fails: boolean
  /** The raw failure reason (redact before use), null when there is none to tell. */
  readonly reason: unknown
}

export interface ProbeEvaluation {
  readonly ok: boolean
  readonly lines: readonly ProbeLine[]
  /** Names given to `exclude` that matched no check. */
  readonly unmatched: readonly string[]
}

const NOT_LIVE = 'a liveness check is failing'

/**
 * The state behind every probe: checks, startup gating, maintenance, drain and the broken flag.
 * Aggregates are recomputed when something changes, so probes only read two booleans.
 */
export class HealthEngine {
  readonly #params: HealthParams
  readonly #parseCheck: (spec: unknown) => CheckParams
  readonly #log: FastifyBaseLogger
  readonly #checks = new Map<string, Check>()
  readonly #onDemand: Check[] = []
  readonly #taskFns: Array<() => unknown> = []
  #started = false
  #stopped = false
  #closing = false
  #listening = false
  #everReady = false
  #readySent = false
  #live = true
  #ready = false
  #broken: unknown = null
  #maintenance: string | null = null
  #tasksPending = 0
  /** Earliest time at which a passing result may turn stale. */
  #nextStaleAt = Infinity

  constructor (params: HealthParams, log: FastifyBaseLogger) {
    this.#params = params
    this.#parseCheck = checkParser(params.defaults)
    this.#log = log
  }

  get live (): boolean {
    return this.#live
  }

  get ready (): boolean {
    return this.#ready
  }

  get checks (): Iterable<Check> {
    return this.#checks.values()
  }

  addCheck (spec: unknown): void {
    const params = this.#parseCheck(spec)
    if (this.#checks.has(params.name)) throw new HealthDuplicateCheckError(params.name)
    const check = new Check(params, this.#everReady, () => this.recompute())
    this.#checks.set(params.name, check)
    if (params.ttlMs !== null) this.#onDemand.push(check)
    if (this.#started && !this.#stopped) check.start()
    this.recompute()
  }

  addStartupTask (task: unknown): void {
    if (typeof task === 'function') {
      this.#tasksPending++
      if (this.#started) this.#runTask(task as () => unknown)
      else this.#taskFns.push(task as () => unknown)
    } else if (typeof (task as PromiseLike<unknown> | null)?.then === 'function') {
      this.#tasksPending++
      this.#track(Promise.resolve(task))
    } else {
      refuse('addStartupTask(task)', task, 'a promise or a function')
    }
    this.recompute()
  }

  markBroken (reason: unknown): void {
    if (this.#broken !== null) return
    this.#broken = reason ?? 'marked broken'
    this.recompute()
  }

  setReady (ready: unknown, reason: unknown): void {
    if (typeof ready !== 'boolean') refuse('setReady(ready)', ready, 'a boolean')
    if (reason !== undefined && typeof reason !== 'string') refuse('setReady(reason)', reason, 'a string')
    this.#maintenance = ready ? null : reason ?? 'not ready'
    this.recompute()
  }

  /** Fastify is ready: start checks and deferred startup tasks. */
  start (): void {
    this.#started = true
    for (const check of this.#checks.values()) check.start()
    for (const fn of this.#taskFns.splice(0)) this.#runTask(fn)
    this.recompute()
  }

  /** The server listens: the PM2 ready message may now be sent. */
  listening (): void {
    this.#listening = true
    this.#sendReadyMessage()
  }

  /** `app.close()` started: readiness fails for good. */
  beginClose (): void {
    this.#closing = true
    this.recompute()
  }

  /** `onClose`: stop every timer and release what checks hold. */
  async stop (): Promise<void> {
    this.#closing = true
    this.#stopped = true
    this.recompute()
    const disposals: Array<Promise<void>> = []
    for (const check of this.#checks.values()) {
      check.stop()
      const dispose = check.params.dispose
      if (dispose !== undefined) {
        disposals.push((async () => await dispose())().catch((error: unknown) => {
          this.#log.warn({ check: check.params.name, reason: redact(error) }, 'health check dispose failed')
        }))
      }
    }
    await Promise.all(disposals)
  }

  /** Called on every read: starts due on-demand refreshes and notices stale results. */
  refresh (now: number): void {
    for (const check of this.#onDemand) {
      check.touch(now)
      if (check.state === 'pass') this.#nextStaleAt = Math.min(this.#nextStaleAt, check.staleAt() + 1)
    }
    if (now >= this.#nextStaleAt) this.recompute(now)
  }

  recompute (now = Date.now()): void {
    let nextStaleAt = Infinity
    for (const check of this.#checks.values()) {
      const state = check.effective(now)
      if (state !== check.reported) this.#announceCheck(check, state, now)
      if (check.state === 'pass') nextStaleAt = Math.min(nextStaleAt, check.staleAt() + 1)
    }
    this.#nextStaleAt = nextStaleAt

    // readiness reads #live, so settle liveness first
    const live = this.evaluate('liveness', now, null)
    if (live.ok !== this.#live) {
      this.#live = live.ok
      this.#announceProbe('liveness', live, now)
    }
    const ready = this.evaluate('readiness', now, null)
    if (ready.ok !== this.#ready) {
      this.#ready = ready.ok
      this.#announceProbe('readiness', ready, now)
    }
    if (ready.ok && !this.#everReady) {
      this.#everReady = true
      this.#sendReadyMessage()
    }
  }

  /** Lists a probe's gates and checks; `exclude` leaves checks (not gates) out. */
  evaluate (probe: Probe, now: number, exclude: ReadonlySet<string> | null): ProbeEvaluation {
    const lines: ProbeLine[] = []
    const unmatched = new Set(exclude)
    const gate = (name: string, reason: unknown): void => {
      lines.push({ name, kind: reason === null ? 'ok' : 'failed', fails: reason !== null, reason })
    }

    if (probe === 'liveness') {
      gate('process', this.#broken)
    } else {
      gate('process', this.#broken ?? (this.#live ? null : NOT_LIVE))
      gate('startup', this.#started && this.#tasksPending === 0 ? null : 'starting')
      gate('serving', this.#closing ? 'shutting down' : this.#maintenance)
    }

    for (const check of this.#checks.values()) {
      const { name, critical, startup } = check.params
      const member = probe === 'liveness' ? check.params.liveness : check.params.readiness
      // a startup check gates both probes until it first passes, unless it came after first readiness
      const startupGate = startup && !check.passedOnce && !check.late
      if (!member && !startupGate) continue
      if (unmatched.delete(name)) {
        lines.push({ name, kind: 'excluded', fails: false, reason: null })
        continue
      }
      const state: CheckState = check.effective(now)
      if (state === 'pass') {
        lines.push({ name, kind: 'ok', fails: false, reason: null })
      } else if (state === 'fail') {
        const fails = startupGate || (member && critical)
        lines.push({ name, kind: fails ? 'failed' : 'warn', fails, reason: check.reason() })
      } else {
        // a critical readiness check must pass once, unless it joined a service that was already ready
        const fails = startupGate || (member && critical && probe === 'readiness' && !check.late)
        lines.push({ name, kind: 'pending', fails, reason: null })
      }
    }

    return { ok: !lines.some((line) => line.fails), lines, unmatched: [...unmatched] }
  }

  #runTask (fn: () => unknown): void {
    this.#track((async () => await fn())())
  }

  #track (task: Promise<unknown>): void {
    task.then(() => {
      this.#tasksPending--
      this.recompute()
    }, (error: unknown) => {
      this.#tasksPending--
      // the service can never become ready: ask for a restart
      this.markBroken(new HealthStartupTaskFailedError(redact(error), { cause: error }))
    })
  }

  #announceCheck (check: Check, to: CheckState, now: number): void {
    const from = check.reported
    check.reported = to
    const { name, critical, groups } = check.params
    const reason = to === 'fail' ? redact(check.reason()) : null
    publishTransition({ scope: 'check', name, from, to, critical, groups, reason, at: now })
    if (to === 'fail') {
      this.#log.warn({ check: name, critical, reason }, 'health check failed')
    } else if (from === 'fail') {
      this.#log.info({ check: name, critical }, 'health check recovered')
    } else {
      this.#log.debug({ check: name, critical }, 'health check passed')
    }
  }

  #announceProbe (scope: Probe, evaluation: ProbeEvaluation, now: number): void {
    const to = evaluation.ok ? 'pass' : 'fail'
    let reason: string | null = null
    if (!evaluation.ok) {
      const line = evaluation.lines.find((l) => l.fails) as ProbeLine
      reason = `${line.name}: ${line.kind === 'pending' ? 'pending' : redact(line.reason)}`
    }
    publishTransition({ scope, name: scope, from: to === 'pass' ? 'fail' : 'pass', to, reason, at: now })
    if (evaluation.ok) {
      this.#log.info(`service is ${scope === 'liveness' ? 'live' : 'ready'}`)
    } else if (scope === 'liveness') {
      this.#log.error({ reason }, 'service is not live')
    } else {
      this.#log.warn({ reason }, 'service is not ready')
    }
  }

  #sendReadyMessage (): void {
    if (!this.#everReady || !this.#listening || this.#readySent || !this.#params.sendReadyMessage) return
    if (typeof process.send !== 'function') return
    this.#readySent = true
    process.send('ready', undefined, undefined, (error: Error | null) => {
      if (error !== null) this.#log.debug({ reason: redact(error) }, 'could not send the ready message')
    })
  }
}

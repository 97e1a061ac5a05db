import { InvalidOptionError } from './errors.js'

/** Signals the plugin may handle. Fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL) and SIGUSR1 (the debugger) are refused. */
export type ShutdownSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR2' | 'SIGBREAK'

/** Process error events that take the short crash path (exit 1). */
export type CrashEvent = 'uncaughtException' | 'unhandledRejection'

export interface ShutdownOptions {
  /**
   * The platform's grace period: the time between the stop signal and SIGKILL
   * (Kubernetes `terminationGracePeriodSeconds` x 1000, minus any preStop time).
   * Read from `SHUTDOWN_GRACE_PERIOD_MS` when the option is not given.
   * @default Number(process.env.SHUTDOWN_GRACE_PERIOD_MS) || 30000
   */
  gracePeriodMs?: number
  /**
   * How long to keep serving normally after the signal (readiness already failing) so that
   * load balancers and kube-proxy stop routing here before the listener closes.
   * @default 5000 when KUBERNETES_SERVICE_HOST is set, otherwise 0
   */
  drainDelayMs?: number
  /**
   * How long in-flight requests may run after the listener closes. Connections still open
   * at the end are destroyed and counted.
   * @default max(1000, gracePeriodMs - drainDelayMs - cleanupMs - safetyMarginMs)
   */
  requestDrainMs?: number
  /**
   * Budget for the `onClose` hooks (pools, clients, final flushes). A hook still running at
   * the end is named in the log and the process exits 1.
   * @default 5000
   */
  cleanupMs?: number
  /**
   * Time kept back for flushing the logger and exiting. The hard deadline fires at
   * `gracePeriodMs - safetyMarginMs / 2`.
   * @default 2000
   */
  safetyMarginMs?: number
  /**
   * How often idle keep-alive sockets are closed while requests drain (works around
   * Fastify's one-shot idle close, fastify/fastify#7044).
   * @default 250
   */
  reapIntervalMs?: number
  /**
   * Signals that start the graceful sequence. `[]` installs no signal listener.
   * @default ['SIGTERM', 'SIGINT']
   */
  signals?: ShutdownSignal[]
  /**
   * Error events that take the crash path (exit 1). `[]` leaves them alone (for example when
   * an APM agent owns them).
   * @default ['uncaughtException', 'unhandledRejection']
   */
  crashEvents?: CrashEvent[]
  /**
   * Throw at registration when the budget does not fit in the grace period, instead of warning.
   * @default false
   */
  strict?: boolean
  /**
   * Called with the exit code when the sequence ends (0 clean, 1 crash or deadline, 130 on a
   * second SIGINT). Inject a function to run the sequence in-process, e.g. in tests.
   * @default process.exit
   */
  exit?: (code: number) => void
}

/** The time budget, all in milliseconds. */
export interface ShutdownBudget {
  readonly gracePeriodMs: number
  readonly drainDelayMs: number
  readonly requestDrainMs: number
  readonly cleanupMs: number
  readonly safetyMarginMs: number
  /** Measured from the start of the sequence. */
  readonly hardDeadlineMs: number
  /** drainDelayMs + requestDrainMs + cleanupMs + safetyMarginMs */
  readonly totalMs: number
  /** totalMs <= gracePeriodMs */
  readonly fits: boolean
}

export interface ShutdownParams {
  readonly budget: ShutdownBudget
  /** The shorter budget of the crash path: no drain delay, at most 3 s of request drain and 2 s of cleanup. */
  readonly crashBudget: ShutdownBudget
  readonly reapIntervalMs: number
  readonly signals: readonly ShutdownSignal[]
  readonly crashEvents: readonly CrashEvent[]
  readonly strict: boolean
  readonly exit: (code: number) => void
  readonly kubernetes: boolean
  readonly pm2: boolean
  /** Which budget values came from defaults or the environment, for the budget log line. */
  readonly sources: Readonly<Record<'gracePeriodMs' | 'drainDelayMs' | 'requestDrainMs', 'option' | 'env' | 'default' | 'derived'>>
}

export const GRACE_PERIOD_ENV = 'SHUTDOWN_GRACE_PERIOD_MS'
const DEFAULT_GRACE_PERIOD_MS = 30_000
const KUBERNETES_DRAIN_DELAY_MS = 5_000
const DEFAULT_CLEANUP_MS = 5_000
const DEFAULT_SAFETY_MARGIN_MS = 2_000
const MIN_REQUEST_DRAIN_MS = 1_000
const CRASH_REQUEST_DRAIN_MS = 3_000
const CRASH_CLEANUP_MS = 2_000

const SIGNALS: readonly string[] = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGBREAK']
const CRASH_EVENTS: readonly string[] = ['uncaughtException', 'unhandledRejection']
const KNOWN = new Set([
  'gracePeriodMs', 'drainDelayMs', 'requestDrainMs', 'cleanupMs', 'safetyMarginMs',
  'reapIntervalMs', 'signals', 'crashEvents', 'strict', 'exit'
])

function show (value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value)
}

function duration (name: string, value: unknown, min = 0): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidOptionError(name, show(value), `an integer number of milliseconds >= ${min}`)
  }
  return value
}

function list<T extends string> (name: string, value: unknown, allowed: readonly string[], fallback: T[]): T[] {
  if (value === undefined) return fallback
  if (!Array.isArray(value)) throw new InvalidOptionError(name, show(value), `an array of ${allowed.join(', ')}`)
  for (const item of value) {
    if (!allowed.includes(item)) {
      throw new InvalidOptionError(`${name}[]`, show(item), `one of ${allowed.join(', ')} (fatal signals and SIGUSR1 are never handled)`)
    }
  }
  return [...new Set(value as T[])]
}

function makeBudget (gracePeriodMs: number, drainDelayMs: number, requestDrainMs: number, cleanupMs: number, safetyMarginMs: number): ShutdownBudget {
  const totalMs = drainDelayMs + requestDrainMs + cleanupMs + safetyMarginMs
  return Object.freeze({
    gracePeriodMs,
    drainDelayMs,
    requestDrainMs,
    cleanupMs,
    safetyMarginMs,
    hardDeadlineMs: gracePeriodMs - Math.floor(safetyMarginMs / 2),
    totalMs,
    fits: totalMs <= gracePeriodMs
  })
}

/** Validates the options once, at registration, into frozen params. */
export function normalizeOptions (opts: ShutdownOptions = {}, env: NodeJS.ProcessEnv = process.env): ShutdownParams {
  if (typeof opts !== 'object' || opts === null) throw new InvalidOptionError('options', show(opts), 'an object')
  for (const key of Object.keys(opts)) {
    if (!KNOWN.has(key)) throw new InvalidOptionError(key, 'an unknown option', [...KNOWN].join(', '))
  }

  const kubernetes = typeof env.KUBERNETES_SERVICE_HOST === 'string' && env.KUBERNETES_SERVICE_HOST !== ''
  const pm2 = env.pm_id !== undefined

  let graceSource: 'option' | 'env' | 'default' = 'default'
  let gracePeriodMs = DEFAULT_GRACE_PERIOD_MS
  if (opts.gracePeriodMs !== undefined) {
    gracePeriodMs = duration('gracePeriodMs', opts.gracePeriodMs, 1)
    graceSource = 'option'
  } else if (env[GRACE_PERIOD_ENV] !== undefined && env[GRACE_PERIOD_ENV] !== '') {
    const raw = env[GRACE_PERIOD_ENV]
    gracePeriodMs = duration(`gracePeriodMs (from ${GRACE_PERIOD_ENV})`, /^\d+$/.test(raw) ? Number(raw) : raw, 1)
    graceSource = 'env'
  }

  const drainDelayMs = opts.drainDelayMs === undefined
    ? (kubernetes ? KUBERNETES_DRAIN_DELAY_MS : 0)
    : duration('drainDelayMs', opts.drainDelayMs)
  const cleanupMs = opts.cleanupMs === undefined ? DEFAULT_CLEANUP_MS : duration('cleanupMs', opts.cleanupMs)
  const safetyMarginMs = opts.safetyMarginMs === undefined ? DEFAULT_SAFETY_MARGIN_MS : duration('safetyMarginMs', opts.safetyMarginMs)
  const requestDrainMs = opts.requestDrainMs === undefined
    ? Math.max(MIN_REQUEST_DRAIN_MS, gracePeriodMs - drainDelayMs - cleanupMs - safetyMarginMs)
    : duration('requestDrainMs', opts.requestDrainMs)
  const reapIntervalMs = opts.reapIntervalMs === undefined ? 250 : duration('reapIntervalMs', opts.reapIntervalMs, 10)

  if (opts.strict !== undefined && typeof opts.strict !== 'boolean') {
    throw new InvalidOptionError('strict', show(opts.strict), 'a boolean')
  }
  if (opts.exit !== undefined && typeof opts.exit !== 'function') {
    throw new InvalidOptionError('exit', show(opts.exit), 'a function (code: number) => void')
  }

  const budget = makeBudget(gracePeriodMs, drainDelayMs, requestDrainMs, cleanupMs, safetyMarginMs)
  const crashRequest = Math.min(requestDrainMs, CRASH_REQUEST_DRAIN_MS)
  const crashCleanup = Math.min(cleanupMs, CRASH_CLEANUP_MS)
  const crashBudget = makeBudget(
    Math.min(gracePeriodMs, crashRequest + crashCleanup + safetyMarginMs),
    0, crashRequest, crashCleanup, safetyMarginMs
  )

  return Object.freeze({
    budget,
    crashBudget,
    reapIntervalMs,
    signals: Object.freeze(list<ShutdownSignal>('signals', opts.signals, SIGNALS, ['SIGTERM', 'SIGINT'])),
    crashEvents: Object.freeze(list<CrashEvent>('crashEvents', opts.crashEvents, CRASH_EVENTS, ['uncaughtException', 'unhandledRejection'])),
    strict: opts.strict ?? false,
    exit: opts.exit ?? ((code: number) => process.exit(code)),
    kubernetes,
    pm2,
    sources: Object.freeze({
      gracePeriodMs: graceSource,
      drainDelayMs: opts.drainDelayMs === undefined ? 'default' : 'option',
      requestDrainMs: opts.requestDrainMs === undefined ? 'derived' : 'option'
    })
  })
}

/** The "shutdown budget: ..." line logged at registration. */
export function describeBudget (b: ShutdownBudget): string {
  return `drain delay ${b.drainDelayMs} ms + request drain ${b.requestDrainMs} ms + cleanup ${b.cleanupMs} ms + ` +
    `safety margin ${b.safetyMarginMs} ms = ${b.totalMs} ms ${b.fits ? '<=' : '>'} grace period ${b.gracePeriodMs} ms ` +
    `(hard deadline at ${b.hardDeadlineMs} ms)`
}

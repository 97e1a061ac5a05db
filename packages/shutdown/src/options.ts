import {
  boolean, createParser, derived, func, list, ms, object, oneOf,
  type Fail, type Parsed, type Rule, type RulesOf
} from '@highload/options'
import { ShutdownInvalidOptionError } from './errors.js'

/** Signals the plugin may handle. Fatal signals (SIGSEGV, SIGBUS, SIGFPE, SIGILL) and SIGUSR1 (the debugger) are refused. */
export type ShutdownSignal = 'SIGTERM' | 'SIGINT' | 'SIGHUP' | 'SIGQUIT' | 'SIGUSR2' | 'SIGBREAK'

/** Process error events that take the short crash path (exit 1). */
export type CrashEvent = 'uncaughtException' | 'unhandledRejection'

export interface FastifyHighloadShutdownOptions {
  /**
   * The platform's grace period: the time between the stop signal and SIGKILL
   * (Kubernetes `terminationGracePeriodSeconds` x 1000, minus any preStop time).
   * Read from `SHUTDOWN_GRACE_PERIOD_MS` when the option is not given. Whole milliseconds,
   * from 1 to 2^31-1 (Node's timer limit), like every duration below (which may be 0).
   * @default SHUTDOWN_GRACE_PERIOD_MS env, else 30000
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
   * Fastify's one-shot idle close, fastify/fastify#7044). At least 10.
   * @default 250
   */
  reapIntervalMs?: number
  /**
   * Signals that start the graceful sequence. `[]` installs no signal listener. A signal listed
   * twice is handled once.
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
const MIN_REQUEST_DRAIN_MS = 1_000
const CRASH_REQUEST_DRAIN_MS = 3_000
const CRASH_CLEANUP_MS = 2_000

const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGQUIT', 'SIGUSR2', 'SIGBREAK'] as const satisfies readonly ShutdownSignal[]
const CRASH_EVENTS = ['uncaughtException', 'unhandledRejection'] as const satisfies readonly CrashEvent[]

/**
 * The rules of the options: what each accepts and its default. Durations are whole milliseconds,
 * capped at 2^31-1 (Node's timer limit). The derived defaults are computed in `toParams`.
 */
export const shutdownRules = {
  gracePeriodMs: ms({ integer: true, min: 1, default: derived(`${GRACE_PERIOD_ENV} env, else ${DEFAULT_GRACE_PERIOD_MS}`) }),
  drainDelayMs: ms({ integer: true, default: derived(`${KUBERNETES_DRAIN_DELAY_MS} when KUBERNETES_SERVICE_HOST is set, else 0`) }),
  requestDrainMs: ms({ integer: true, default: derived(`max(${MIN_REQUEST_DRAIN_MS}, gracePeriodMs - drainDelayMs - cleanupMs - safetyMarginMs)`) }),
  cleanupMs: ms({ integer: true, default: 5000 }),
  safetyMarginMs: ms({ integer: true, default: 2000 }),
  reapIntervalMs: ms({ integer: true, min: 10, default: 250 }),
  signals: list(oneOf(SIGNALS), { default: ['SIGTERM', 'SIGINT'] }),
  crashEvents: list(oneOf(CRASH_EVENTS), { default: ['uncaughtException', 'unhandledRejection'] }),
  strict: boolean({ default: false }),
  exit: func<(code: number) => void>({ doc: 'process.exit' })
} satisfies RulesOf<FastifyHighloadShutdownOptions>

type Validated = Parsed<typeof shutdownRules>

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

/** The grace period: the option, else the environment variable (validated by the same rule), else 30 s. */
function gracePeriod (o: Validated, env: NodeJS.ProcessEnv, fail: Fail): { gracePeriodMs: number, source: 'option' | 'env' | 'default' } {
  if (o.gracePeriodMs !== undefined) return { gracePeriodMs: o.gracePeriodMs, source: 'option' }
  const raw = env[GRACE_PERIOD_ENV]
  if (raw === undefined || raw === '') return { gracePeriodMs: DEFAULT_GRACE_PERIOD_MS, source: 'default' }
  const value = /^\d+$/.test(raw) ? Number(raw) : raw
  const gracePeriodMs = shutdownRules.gracePeriodMs.parse(value, `gracePeriodMs (from ${GRACE_PERIOD_ENV})`, fail) as number
  return { gracePeriodMs, source: 'env' }
}

/** The object rule's refine: derived defaults, the budget and the crash budget. */
function toParams (o: Validated, env: NodeJS.ProcessEnv, fail: Fail): ShutdownParams {
  const kubernetes = typeof env.KUBERNETES_SERVICE_HOST === 'string' && env.KUBERNETES_SERVICE_HOST !== ''
  const { gracePeriodMs, source } = gracePeriod(o, env, fail)
  const drainDelayMs = o.drainDelayMs ?? (kubernetes ? KUBERNETES_DRAIN_DELAY_MS : 0)
  const { cleanupMs, safetyMarginMs } = o
  const requestDrainMs = o.requestDrainMs ?? Math.max(MIN_REQUEST_DRAIN_MS, gracePeriodMs - drainDelayMs - cleanupMs - safetyMarginMs)

  const budget = makeBudget(gracePeriodMs, drainDelayMs, requestDrainMs, cleanupMs, safetyMarginMs)
  const crashRequest = Math.min(requestDrainMs, CRASH_REQUEST_DRAIN_MS)
  const crashCleanup = Math.min(cleanupMs, CRASH_CLEANUP_MS)
  const crashBudget = makeBudget(
    Math.min(gracePeriodMs, crashRequest + crashCleanup + safetyMarginMs),
    0, crashRequest, crashCleanup, safetyMarginMs
  )

  return {
    budget,
    crashBudget,
    reapIntervalMs: o.reapIntervalMs,
    // A signal or event listed twice is handled once.
    signals: Object.freeze([...new Set(o.signals)]),
    crashEvents: Object.freeze([...new Set(o.crashEvents)]),
    strict: o.strict,
    exit: o.exit ?? ((code: number) => process.exit(code)),
    kubernetes,
    pm2: env.pm_id !== undefined,
    sources: Object.freeze({
      gracePeriodMs: source,
      drainDelayMs: o.drainDelayMs === undefined ? 'default' : 'option',
      requestDrainMs: o.requestDrainMs === undefined ? 'derived' : 'option'
    })
  }
}

/** The options rule for one environment (the derived defaults read it). */
export function shutdownOptionsRule (env: NodeJS.ProcessEnv): Rule<ShutdownParams> {
  return object(shutdownRules, { refine: (o, fail) => toParams(o, env, fail) })
}

/** Validates the options once, at registration, into frozen params. */
export function normalizeOptions (opts?: FastifyHighloadShutdownOptions, env: NodeJS.ProcessEnv = process.env): ShutdownParams {
  return createParser(shutdownOptionsRule(env), ShutdownInvalidOptionError)(opts)
}

/** The "shutdown budget: ..." line logged at registration. */
export function describeBudget (b: ShutdownBudget): string {
  return `drain delay ${b.drainDelayMs} ms + request drain ${b.requestDrainMs} ms + cleanup ${b.cleanupMs} ms + ` +
    `safety margin ${b.safetyMarginMs} ms = ${b.totalMs} ms ${b.fits ? '<=' : '>'} grace period ${b.gracePeriodMs} ms ` +
    `(hard deadline at ${b.hardDeadlineMs} ms)`
}

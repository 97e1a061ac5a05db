import { inspect } from 'node:util'
import type { FastifyRequest, LogLevel } from 'fastify'
import { HealthInvalidOptionError } from './errors.js'

/** The probe groups a check can belong to. */
export type HealthGroup = 'liveness' | 'readiness' | 'startup'

/** Aggregate status in the `application/health+json` document. */
export type HealthStatus = 'pass' | 'warn' | 'fail'

/** State of one check: `unknown` until its first result. */
export type CheckState = 'unknown' | 'pass' | 'fail'

/** What a check function receives. */
export interface HealthCheckContext {
  /** Aborted when the run exceeds `timeoutMs` (reason: `HL_HEALTH_CHECK_TIMEOUT`) or the app closes. */
  signal: AbortSignal
}

/** What a check function may resolve to. Resolving to nothing is a pass. */
export interface HealthCheckResult {
  /** Reported as `observedValue`; when omitted the run's duration in ms is reported for `responseTime`. */
  observedValue?: number | string | boolean | null
  /** Reported as `observedUnit`. */
  observedUnit?: string
  /** Extra, non-secret facts published under `details` in `/health` (for example pool counts). */
  details?: Record<string, unknown>
}

/** A check: resolve (pass), or throw/reject (fail). */
export type HealthCheckFunction = (context: HealthCheckContext) =>
  void | HealthCheckResult | Promise<void | HealthCheckResult | undefined>

/** Everything `addCheck()` accepts besides `name` and `check`. */
export interface HealthCheckOptions {
  /**
   * Which probes the check feeds. `startup` checks gate `/livez` and `/readyz` until they first pass.
   * @default ['readiness']
   */
  groups?: readonly HealthGroup[]
  /**
   * A failing critical check fails its probes; a failing non-critical check only makes the status `warn`.
   * @default false
   */
  critical?: boolean
  /**
   * Abort the run (through `signal`) and count it as failed after this many milliseconds.
   * @default 500 (plugin option `defaults.timeoutMs`)
   */
  timeoutMs?: number
  /**
   * Run in the background every `intervalMs` (± `defaults.jitter`). Mutually exclusive with `ttlMs`.
   * @default 5000 (plugin option `defaults.intervalMs`)
   */
  intervalMs?: number
  /**
   * Run on demand instead: a read that finds a result older than `ttlMs` starts one shared refresh
   * and is answered from the cached result. Mutually exclusive with `intervalMs`.
   * @default undefined (background mode)
   */
  ttlMs?: number
  /**
   * A passing result counts as failed once it is older than this (background mode) or once a refresh
   * has been outstanding this long (on-demand mode).
   * @default 3 × (intervalMs or ttlMs) + timeoutMs
   */
  staleAfterMs?: number
  /**
   * Consecutive failures that turn a passing check into a failing one.
   * @default 2 (plugin option `defaults.failureThreshold`)
   */
  failureThreshold?: number
  /**
   * Consecutive passes that turn a failing (or new) check into a passing one.
   * @default 1 (plugin option `defaults.successThreshold`)
   */
  successThreshold?: number
  /**
   * `componentType` in `/health` (`component`, `datastore`, `system` or your own).
   * @default 'component'
   */
  componentType?: string
  /**
   * Measurement name: the check is keyed `"<name>:<measurement>"` in `/health`.
   * @default 'responseTime'
   */
  measurement?: string
  /**
   * Called once when the app closes, to release what the check holds.
   * @default undefined
   */
  dispose?: () => void | Promise<void>
}

/** The argument of `fastify.health.addCheck()`. */
export interface HealthCheckSpec extends HealthCheckOptions {
  /** Unique name: letters, digits, `_`, `.` and `-` (used in URLs and report keys). */
  name: string
  /** The check itself. */
  check: HealthCheckFunction
}

/** Defaults applied to every check that does not set its own. */
export interface HealthCheckDefaults {
  /** @default 500 */
  timeoutMs?: number
  /** @default 5000 */
  intervalMs?: number
  /** @default 2 */
  failureThreshold?: number
  /** @default 1 */
  successThreshold?: number
  /**
   * Random spread of background intervals, as a fraction of `intervalMs` (0 to 0.5).
   * @default 0.1
   */
  jitter?: number
}

/** Who may see failure reasons: nobody, everybody, or the requests your function allows. */
export type ExposeDetails = 'never' | 'always' | ((request: FastifyRequest) => boolean | Promise<boolean>)

/** Paths of the probe routes; `false` leaves a route out. */
export interface HealthPaths {
  /** @default '/livez' */
  liveness?: string | false
  /** @default '/readyz' */
  readiness?: string | false
  /** @default '/health' */
  health?: string | false
}

/** Options of `@highload/health`. */
export interface FastifyHealthOptions {
  /**
   * Prefix for every probe route (the plugin is not encapsulated, so Fastify's own `prefix` does not apply).
   * @default ''
   */
  prefix?: string
  /** @default { liveness: '/livez', readiness: '/readyz', health: '/health' } */
  paths?: HealthPaths
  /**
   * Whether responses may carry (redacted) failure reasons. Stacks, causes, hosts, users,
   * passwords and connection strings never leave, whatever this says.
   * @default 'never'
   */
  exposeDetails?: ExposeDetails
  /**
   * Log level of the probe routes.
   * @default 'silent'
   */
  logLevel?: LogLevel
  /**
   * `Retry-After` (seconds) on every 503 from the readiness route.
   * @default 5
   */
  retryAfterSeconds?: number
  /**
   * `version` in `/health`.
   * @default undefined (omitted)
   */
  version?: string
  /**
   * `releaseId` in `/health` (for example a git SHA).
   * @default undefined (omitted)
   */
  releaseId?: string
  /**
   * `serviceId` in `/health`.
   * @default undefined (omitted)
   */
  serviceId?: string
  /**
   * `description` in `/health`.
   * @default undefined (omitted)
   */
  description?: string
  /** Defaults for every check. */
  defaults?: HealthCheckDefaults
  /**
   * Send `process.send('ready')` once, the first time the service is ready while listening,
   * when the process has an IPC channel (PM2 `wait_ready`).
   * @default true
   */
  sendReadyMessage?: boolean
}

export interface NormalizedDefaults {
  readonly timeoutMs: number
  readonly intervalMs: number
  readonly failureThreshold: number
  readonly successThreshold: number
  readonly jitter: number
}

export interface HealthParams {
  readonly prefix: string
  readonly paths: { readonly liveness: string | null, readonly readiness: string | null, readonly health: string | null }
  readonly exposeDetails: ExposeDetails
  readonly logLevel: LogLevel
  readonly retryAfter: string
  readonly version: string | undefined
  readonly releaseId: string | undefined
  readonly serviceId: string | undefined
  readonly description: string | undefined
  readonly defaults: NormalizedDefaults
  readonly sendReadyMessage: boolean
}

export interface CheckParams {
  readonly name: string
  readonly key: string
  readonly check: HealthCheckFunction
  readonly groups: readonly HealthGroup[]
  readonly liveness: boolean
  readonly readiness: boolean
  readonly startup: boolean
  readonly critical: boolean
  readonly timeoutMs: number
  /** Background interval, or null in on-demand mode. */
  readonly intervalMs: number | null
  /** On-demand cache lifetime, or null in background mode. */
  readonly ttlMs: number | null
  readonly staleAfterMs: number
  readonly failureThreshold: number
  readonly successThreshold: number
  readonly jitter: number
  readonly componentType: string
  readonly measurement: string
  readonly dispose: (() => void | Promise<void>) | undefined
}

const MAX_TIMER_MS = 2_147_483_647
const GROUPS: readonly HealthGroup[] = ['liveness', 'readiness', 'startup']
const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace']
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/** Names of the built-in gates that appear beside checks in verbose probe output. */
export const GATE_NAMES: readonly string[] = ['process', 'startup', 'serving']

function show (value: unknown): string {
  return typeof value === 'function' ? 'a function' : inspect(value, { depth: 1, breakLength: Infinity })
}

function invalid (option: string, value: unknown, allowed: string): never {
  throw new HealthInvalidOptionError(`"${option}" must be ${allowed}, got ${show(value)}`)
}

function positiveMs (option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_TIMER_MS) {
    invalid(option, value, `an integer number of milliseconds from 1 to ${MAX_TIMER_MS}`)
  }
  return value
}

function positiveInt (option: string, value: unknown, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > max) {
    invalid(option, value, `an integer from 1 to ${max}`)
  }
  return value
}

function optionalText (option: string, value: unknown): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.length === 0) invalid(option, value, 'a non-empty string')
  return value
}

function isObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function path (option: string, value: unknown, fallback: string): string | null {
  if (value === undefined) return fallback
  if (value === false) return null
  if (typeof value !== 'string' || !/^\/[^?#\s]*$/.test(value) || value.length === 1) {
    invalid(option, value, 'false or a path starting with "/" (not "/" itself)')
  }
  return value.replace(/\/+$/, '')
}

function normalizeDefaults (value: unknown): NormalizedDefaults {
  if (value === undefined) value = {}
  if (!isObject(value)) invalid('defaults', value, 'an object')
  const jitter = value.jitter ?? 0.1
  if (typeof jitter !== 'number' || !(jitter >= 0 && jitter <= 0.5)) {
    invalid('defaults.jitter', jitter, 'a number from 0 to 0.5')
  }
  return Object.freeze({
    timeoutMs: positiveMs('defaults.timeoutMs', value.timeoutMs ?? 500),
    intervalMs: positiveMs('defaults.intervalMs', value.intervalMs ?? 5000),
    failureThreshold: positiveInt('defaults.failureThreshold', value.failureThreshold ?? 2, 1000),
    successThreshold: positiveInt('defaults.successThreshold', value.successThreshold ?? 1, 1000),
    jitter
  })
}

/** Validates plugin options once, at registration. */
export function normalizeOptions (options: unknown): HealthParams {
  if (options === undefined || options === null) options = {}
  if (!isObject(options)) invalid('options', options, 'an object')
  const o = options

  let prefix = ''
  if (o.prefix !== undefined && o.prefix !== '') {
    if (typeof o.prefix !== 'string' || !/^\/[^?#\s]*$/.test(o.prefix)) {
      invalid('prefix', o.prefix, 'an empty string or a path starting with "/"')
    }
    prefix = o.prefix.replace(/\/+$/, '')
  }

  const paths = o.paths ?? {}
  if (!isObject(paths)) invalid('paths', paths, 'an object')

  const exposeDetails = o.exposeDetails ?? 'never'
  if (exposeDetails !== 'never' && exposeDetails !== 'always' && typeof exposeDetails !== 'function') {
    invalid('exposeDetails', exposeDetails, '"never", "always" or a function of the request')
  }

  const logLevel = o.logLevel ?? 'silent'
  if (typeof logLevel !== 'string' || !LOG_LEVELS.includes(logLevel)) {
    invalid('logLevel', logLevel, `one of ${LOG_LEVELS.join(', ')}`)
  }

  const retryAfter = o.retryAfterSeconds ?? 5
  if (typeof retryAfter !== 'number' || !Number.isInteger(retryAfter) || retryAfter < 0 || retryAfter > 86400) {
    invalid('retryAfterSeconds', retryAfter, 'an integer number of seconds from 0 to 86400')
  }

  const sendReadyMessage = o.sendReadyMessage ?? true
  if (typeof sendReadyMessage !== 'boolean') invalid('sendReadyMessage', sendReadyMessage, 'a boolean')

  return Object.freeze({
    prefix,
    paths: Object.freeze({
      liveness: path('paths.liveness', paths.liveness, '/livez'),
      readiness: path('paths.readiness', paths.readiness, '/readyz'),
      health: path('paths.health', paths.health, '/health')
    }),
    exposeDetails: exposeDetails as ExposeDetails,
    logLevel: logLevel as LogLevel,
    retryAfter: String(retryAfter),
    version: optionalText('version', o.version),
    releaseId: optionalText('releaseId', o.releaseId),
    serviceId: optionalText('serviceId', o.serviceId),
    description: optionalText('description', o.description),
    defaults: normalizeDefaults(o.defaults),
    sendReadyMessage
  })
}

/** Validates one `addCheck()` argument against the plugin defaults. */
export function normalizeCheck (spec: unknown, defaults: NormalizedDefaults): CheckParams {
  if (!isObject(spec)) invalid('check spec', spec, 'an object with at least name and check')
  const s = spec

  if (typeof s.name !== 'string' || !NAME.test(s.name)) {
    invalid('name', s.name, 'a string of 1 to 128 letters, digits, "_", "." or "-", starting with a letter or digit')
  }
  const name = s.name
  if (GATE_NAMES.includes(name)) invalid('name', name, `a name other than the built-in gates (${GATE_NAMES.join(', ')})`)
  if (typeof s.check !== 'function') invalid(`${name}.check`, s.check, 'a function')

  const groups = s.groups ?? ['readiness']
  if (!Array.isArray(groups) || groups.length === 0 ||
      !groups.every((g) => GROUPS.includes(g as HealthGroup)) || new Set(groups).size !== groups.length) {
    invalid(`${name}.groups`, groups, 'a non-empty array of distinct "liveness", "readiness", "startup"')
  }
  const typedGroups = Object.freeze([...groups] as HealthGroup[])

  const critical = s.critical ?? false
  if (typeof critical !== 'boolean') invalid(`${name}.critical`, critical, 'a boolean')

  if (s.intervalMs !== undefined && s.ttlMs !== undefined) {
    invalid(`${name}.ttlMs`, s.ttlMs, 'left out when intervalMs is set (choose background or on-demand mode)')
  }
  const timeoutMs = positiveMs(`${name}.timeoutMs`, s.timeoutMs ?? defaults.timeoutMs)
  const ttlMs = s.ttlMs === undefined ? null : positiveMs(`${name}.ttlMs`, s.ttlMs)
  const intervalMs = ttlMs === null ? positiveMs(`${name}.intervalMs`, s.intervalMs ?? defaults.intervalMs) : null
  const period = (intervalMs ?? ttlMs) as number
  // a background result is normally at most one jittered interval plus one timeout old
  const minStale = intervalMs === null ? timeoutMs : Math.ceil(intervalMs * (1 + defaults.jitter)) + timeoutMs
  const staleAfterMs = s.staleAfterMs === undefined
    ? Math.min(3 * period + timeoutMs, MAX_TIMER_MS)
    : positiveMs(`${name}.staleAfterMs`, s.staleAfterMs)
  if (staleAfterMs <= minStale) {
    invalid(`${name}.staleAfterMs`, staleAfterMs, `greater than ${minStale} (one jittered interval plus timeoutMs)`)
  }

  const componentType = s.componentType ?? 'component'
  if (typeof componentType !== 'string' || componentType.length === 0) {
    invalid(`${name}.componentType`, componentType, 'a non-empty string')
  }
  const measurement = s.measurement ?? 'responseTime'
  if (typeof measurement !== 'string' || !/^[^:\s]+$/.test(measurement)) {
    invalid(`${name}.measurement`, measurement, 'a non-empty string without ":" or spaces')
  }
  if (s.dispose !== undefined && typeof s.dispose !== 'function') invalid(`${name}.dispose`, s.dispose, 'a function')

  return Object.freeze({
    name,
    key: `${name}:${measurement}`,
    check: s.check as HealthCheckFunction,
    groups: typedGroups,
    liveness: typedGroups.includes('liveness'),
    readiness: typedGroups.includes('readiness'),
    startup: typedGroups.includes('startup'),
    critical,
    timeoutMs,
    intervalMs,
    ttlMs,
    staleAfterMs,
    failureThreshold: positiveInt(`${name}.failureThreshold`, s.failureThreshold ?? defaults.failureThreshold, 1000),
    successThreshold: positiveInt(`${name}.successThreshold`, s.successThreshold ?? defaults.successThreshold, 1000),
    jitter: defaults.jitter,
    componentType,
    measurement,
    dispose: s.dispose as (() => void | Promise<void>) | undefined
  })
}

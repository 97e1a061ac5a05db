import type { FastifyRequest, LogLevel } from 'fastify'
import {
  MAX_TIMER_MS, boolean, createParser, custom, derived, func, integer, list, ms, number, object, oneOf, orFalse,
  required, show, text, type Parsed, type Rule, type RulesOf
} from '@highload/options'
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
   * has been outstanding this long (on-demand mode). Must exceed one jittered interval plus `timeoutMs`
   * (background) or `timeoutMs` (on-demand).
   * @default 3 × (intervalMs or ttlMs) + timeoutMs, capped at 2^31-1
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
  /**
   * Unique name: 1 to 128 letters, digits, `_`, `.` and `-`, starting with a letter or digit (used in
   * URLs and report keys), other than the built-in gates `process`, `startup` and `serving`.
   */
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

/** Paths of the probe routes (a trailing `/` is dropped; `/` itself is refused); `false` leaves a route out. */
export interface HealthPaths {
  /** @default '/livez' */
  liveness?: string | false
  /** @default '/readyz' */
  readiness?: string | false
  /** @default '/health' */
  health?: string | false
}

/** Options of `@highload/health`, validated once at registration (unknown keys are refused). */
export interface FastifyHighloadHealthOptions {
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
  /**
   * Defaults for every check.
   * @default { timeoutMs: 500, intervalMs: 5000, failureThreshold: 2, successThreshold: 1, jitter: 0.1 }
   */
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

/** Names of the built-in gates that appear beside checks in verbose probe output. */
export const GATE_NAMES: readonly string[] = ['process', 'startup', 'serving']

const URL_PATH = /^\/[^?#\s]*$/
const CHECK_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/

/**
 * Throws the invalid-option error for an API argument (not a key of an options object), in the
 * kit's message shape: `refuse('setReady(ready)', 'no', 'a boolean')`.
 */
export function refuse (path: string, value: unknown, expected: string): never {
  throw new HealthInvalidOptionError(path, show(value), expected)
}

/** `custom()` types its value `T | undefined` even with a default; this says the default is there. */
function defaulted<T> (rule: Rule<T | undefined>): Rule<T> {
  return rule as Rule<T>
}

const dropTrailingSlashes = (path: string): string => path.replace(/\/+$/, '')

/** A probe route: a path with something besides slashes, or `false` (no route). */
function probePath (fallback: string): Rule<string | null | undefined> {
  return orFalse(custom<string>(
    'a path starting with "/", other than "/" itself (no query, fragment or white space)',
    (value) => typeof value === 'string' && URL_PATH.test(value) && /[^/]/.test(value),
    { default: fallback }
  ))
}

const pathsRules = {
  liveness: probePath('/livez'),
  readiness: probePath('/readyz'),
  health: probePath('/health')
} satisfies RulesOf<HealthPaths>

const route = (path: string | null | undefined): string | null => typeof path === 'string' ? dropTrailingSlashes(path) : null

const defaultsRules = {
  timeoutMs: ms({ default: 500, min: 1, integer: true }),
  intervalMs: ms({ default: 5000, min: 1, integer: true }),
  failureThreshold: integer({ default: 2, min: 1, max: 1000 }),
  successThreshold: integer({ default: 1, min: 1, max: 1000 }),
  jitter: number({ default: 0.1, min: 0, max: 0.5 })
} satisfies RulesOf<HealthCheckDefaults>

const LOG_LEVELS = ['silent', 'fatal', 'error', 'warn', 'info', 'debug', 'trace'] as const satisfies readonly LogLevel[]

/** The plugin options' rule table: what each option accepts and its default. */
export const optionRules = {
  prefix: defaulted(custom<string>(
    'an empty string or a path starting with "/" (no query, fragment or white space)',
    (value) => value === '' || (typeof value === 'string' && URL_PATH.test(value)),
    { default: '' }
  )),
  paths: object(pathsRules, {
    refine: (paths) => ({ liveness: route(paths.liveness), readiness: route(paths.readiness), health: route(paths.health) })
  }),
  exposeDetails: defaulted(custom<ExposeDetails>(
    "'never', 'always' or a function of the request",
    (value) => value === 'never' || value === 'always' || typeof value === 'function',
    { default: 'never' }
  )),
  logLevel: oneOf(LOG_LEVELS, { default: 'silent' }),
  retryAfterSeconds: integer({ default: 5, min: 0, max: 86_400 }),
  version: text(),
  releaseId: text(),
  serviceId: text(),
  description: text(),
  defaults: object(defaultsRules),
  sendReadyMessage: boolean({ default: true })
} satisfies RulesOf<FastifyHighloadHealthOptions>

/** The plugin options as one rule: validated keys, then the params the routes and the engine read. */
export const optionsRule = object(optionRules, {
  refine: (o): HealthParams => ({
    ...o,
    // the plugin is not encapsulated, so '/ops/' and '/ops' must give the same routes
    prefix: dropTrailingSlashes(o.prefix),
    retryAfter: String(o.retryAfterSeconds)
  })
})

/** Validates the plugin options once, at registration. */
export const parseOptions: (options: unknown) => HealthParams = createParser(optionsRule, HealthInvalidOptionError)

const isCheckName = (value: unknown): value is string =>
  typeof value === 'string' && CHECK_NAME.test(value) && !GATE_NAMES.includes(value)

/** A check's name; `fallback` is a factory's default name. */
export function checkName (): Rule<string | undefined>
export function checkName (fallback: string): Rule<string>
export function checkName (fallback?: string): Rule<string | undefined> {
  return custom<string>(
    `a name of 1 to 128 letters, digits, "_", "." or "-" starting with a letter or digit, other than the built-in gates (${GATE_NAMES.join(', ')})`,
    isCheckName,
    { default: fallback }
  )
}

/** A measurement name: it becomes half of the `"<name>:<measurement>"` key in `/health`. */
export function measurement (fallback: string): Rule<string> {
  return text({ default: fallback, pattern: /^[^:\s]+$/, expected: 'a non-empty string without ":" or white space' })
}

const positiveMs = { min: 1, integer: true } as const

/** The check options every built-in factory takes as they are: which probes a check feeds and how it runs. */
export type HealthCheckRunOptions = Omit<HealthCheckOptions, 'critical' | 'componentType' | 'measurement' | 'dispose'>

/** The rule table of `HealthCheckRunOptions`. */
export const checkRunRules = {
  groups: list(oneOf(['liveness', 'readiness', 'startup']), { default: ['readiness'], minItems: 1, unique: true }),
  timeoutMs: ms({ ...positiveMs, default: derived('defaults.timeoutMs') }),
  intervalMs: ms({ ...positiveMs, default: derived('defaults.intervalMs') }),
  ttlMs: ms(positiveMs),
  staleAfterMs: ms({ ...positiveMs, default: derived('3 × (intervalMs or ttlMs) + timeoutMs') }),
  failureThreshold: integer({ min: 1, max: 1000, default: derived('defaults.failureThreshold') }),
  successThreshold: integer({ min: 1, max: 1000, default: derived('defaults.successThreshold') })
} satisfies RulesOf<HealthCheckRunOptions>

/** The rule table of `HealthCheckOptions`. Defaults taken from the plugin's `defaults` are derived in `checkParser()`. */
export const checkOptionRules = {
  ...checkRunRules,
  critical: boolean({ default: false }),
  componentType: text({ default: 'component' }),
  measurement: measurement('responseTime'),
  dispose: func<() => void | Promise<void>>()
} satisfies RulesOf<HealthCheckOptions>

/** The rule table of `addCheck()`'s argument. */
export const checkSpecRules = {
  name: required(checkName()),
  check: required(func<HealthCheckFunction>()),
  ...checkOptionRules
} satisfies RulesOf<HealthCheckSpec>

type Fail = (key: string, value: unknown, expected: string) => never

/** Cross-field rules and the defaults that depend on the plugin's `defaults` or on other fields. */
function resolveCheck (s: Parsed<typeof checkSpecRules>, defaults: NormalizedDefaults, fail: Fail): CheckParams {
  if (s.intervalMs !== undefined && s.ttlMs !== undefined) {
    fail('ttlMs', s.ttlMs, 'no ttlMs when intervalMs is set (a check runs either in the background or on demand)')
  }
  const timeoutMs = s.timeoutMs ?? defaults.timeoutMs
  const ttlMs = s.ttlMs ?? null
  const intervalMs = ttlMs === null ? s.intervalMs ?? defaults.intervalMs : null
  const period = (intervalMs ?? ttlMs) as number
  // a background result is normally at most one jittered interval plus one timeout old
  const minStale = intervalMs === null ? timeoutMs : Math.ceil(intervalMs * (1 + defaults.jitter)) + timeoutMs
  const staleAfterMs = s.staleAfterMs ?? Math.min(3 * period + timeoutMs, MAX_TIMER_MS)
  if (staleAfterMs <= minStale) {
    fail('staleAfterMs', staleAfterMs, intervalMs === null
      ? `more than timeoutMs (${minStale})`
      : `more than one jittered interval plus timeoutMs (${minStale})`)
  }
  return {
    name: s.name,
    key: `${s.name}:${s.measurement}`,
    check: s.check,
    groups: s.groups,
    liveness: s.groups.includes('liveness'),
    readiness: s.groups.includes('readiness'),
    startup: s.groups.includes('startup'),
    critical: s.critical,
    timeoutMs,
    intervalMs,
    ttlMs,
    staleAfterMs,
    failureThreshold: s.failureThreshold ?? defaults.failureThreshold,
    successThreshold: s.successThreshold ?? defaults.successThreshold,
    jitter: defaults.jitter,
    componentType: s.componentType,
    measurement: s.measurement,
    dispose: s.dispose
  }
}

/**
 * The `addCheck()` parser of one plugin instance. Errors name the check: `checks.db.timeoutMs`;
 * until a spec has a valid name, `checks.?` stands for it (`checks.?.name`).
 */
export function checkParser (defaults: NormalizedDefaults): (spec: unknown) => CheckParams {
  const rule = object(checkSpecRules, { refine: (s, fail) => resolveCheck(s, defaults, fail) })
  const parse = createParser(rule, HealthInvalidOptionError)
  return (spec) => {
    const name = (spec as { name?: unknown } | null | undefined)?.name
    return parse(spec, `checks.${isCheckName(name) ? name : '?'}`)
  }
}

import { constants } from 'node:os'
import {
  createParser, custom, integer, list, ms, object, record, required, text,
  type Parsed, type Rule, type RulesOf
} from '@highload/options'
import { ZeroDowntimeInvalidOptionError } from './errors.js'

export interface ZeroDowntimeOptions {
  /**
   * The server to test: a script run as `node [...execArgv] entry`. It must listen on the
   * `PORT` and `HOST` environment variables and answer `readinessPath` with 200 when ready.
   */
  entry: string | URL
  /** Node flags for the instances (e.g. a TypeScript loader). @default [] */
  execArgv?: string[]
  /** Extra environment for the instances. @default {} */
  env?: Record<string, string>
  /** The path the load hits. @default '/' */
  path?: string
  /** The path that answers 200 while an instance is ready. @default '/readyz' */
  readinessPath?: string
  /** autocannon connections (kept alive) to the proxy. @default 10 */
  connections?: number
  /** How long the load runs, in milliseconds. @default 4000 */
  durationMs?: number
  /** When, after the load starts, instance A gets the signal; below `durationMs`. @default 1000 */
  signalAtMs?: number
  /** The signal sent to instance A. @default 'SIGTERM' */
  signal?: NodeJS.Signals
  /** Readiness poll interval of the proxy. @default 200 */
  pollIntervalMs?: number
  /** How long the proxy keeps routing to an instance after its readiness fails (endpoint propagation). @default 500 */
  propagationDelayMs?: number
  /** The stopped instance must exit within this many ms of the signal. @default 30000 */
  budgetMs?: number
  /** How long an instance may take to become ready. @default 20000 */
  startTimeoutMs?: number
}

/** One server behind the proxy. */
export interface Upstream {
  /** Names the upstream in `stats()`, `routable()` and `markSignal()`; unique within a proxy. */
  name: string
  host: string
  port: number
}

export interface ReadinessProxyOptions {
  /** The servers to route to (at least one, distinct names). */
  upstreams: Upstream[]
  /** The path that answers 200 while an upstream is ready. @default '/readyz' */
  readinessPath?: string
  /** How often each upstream's readiness is polled. @default 200 */
  pollIntervalMs?: number
  /** How long routing keeps using an upstream after its readiness fails, like kube-proxy's endpoint propagation. @default 500 */
  propagationDelayMs?: number
  /** The address the proxy listens on. @default '127.0.0.1' */
  host?: string
}

/** A request path: the load's path may carry a query string, so the kit's `path()` (no query) does not fit. */
function requestPath (fallback: string): Rule<string> {
  return text({ default: fallback, pattern: /^\/\S*$/, expected: 'a path starting with "/" (no white space)' })
}

const isSignal = (value: unknown): value is NodeJS.Signals => typeof value === 'string' && Object.hasOwn(constants.signals, value)

export const zeroDowntimeRules = {
  entry: required(custom<string | URL>('a file path or a file: URL',
    (value) => (typeof value === 'string' && value !== '') || (value instanceof URL && value.protocol === 'file:'))),
  execArgv: list(text(), { default: [] }),
  env: record(required(custom<string>('a string', (value) => typeof value === 'string'))),
  path: requestPath('/'),
  readinessPath: requestPath('/readyz'),
  connections: integer({ default: 10, min: 1 }),
  durationMs: ms({ default: 4000, above: 0 }),
  signalAtMs: ms({ default: 1000 }),
  signal: custom("a signal name such as 'SIGTERM'", isSignal, { default: 'SIGTERM' }),
  pollIntervalMs: ms({ default: 200, above: 0 }),
  propagationDelayMs: ms({ default: 500 }),
  budgetMs: ms({ default: 30_000, above: 0 }),
  startTimeoutMs: ms({ default: 20_000, above: 0 })
} satisfies RulesOf<ZeroDowntimeOptions>

/** The validated options of a run, every default filled in. */
export type ZeroDowntimeParams = Parsed<typeof zeroDowntimeRules>

export const zeroDowntimeRule: Rule<ZeroDowntimeParams> = object(zeroDowntimeRules, {
  refine: (o, fail) => {
    if (o.signalAtMs >= o.durationMs) fail('signalAtMs', o.signalAtMs, `less than durationMs (${o.durationMs}), so the signal falls within the load`)
    return o
  }
})

export const upstreamRules = {
  name: required(text()),
  host: required(text()),
  port: required(integer({ min: 1, max: 65_535 }))
} satisfies RulesOf<Upstream>

export const upstreamRule = object(upstreamRules)

export const readinessProxyRules = {
  upstreams: required(list(upstreamRule, { minItems: 1 })),
  readinessPath: requestPath('/readyz'),
  pollIntervalMs: ms({ default: 200, above: 0 }),
  propagationDelayMs: ms({ default: 500 }),
  host: text({ default: '127.0.0.1' })
} satisfies RulesOf<ReadinessProxyOptions>

export type ReadinessProxyParams = Parsed<typeof readinessProxyRules>

export const readinessProxyRule: Rule<ReadinessProxyParams> = object(readinessProxyRules, {
  refine: (o, fail) => {
    const names = o.upstreams.map((u) => u.name)
    if (new Set(names).size !== names.length) fail('upstreams', names, 'upstreams with distinct names')
    return o
  }
})

/** Validates `runZeroDowntime()`'s options. */
export const parseZeroDowntimeOptions = createParser(zeroDowntimeRule, ZeroDowntimeInvalidOptionError)

/** Validates `new ReadinessProxy()`'s options. */
export const parseReadinessProxyOptions = createParser(readinessProxyRule, ZeroDowntimeInvalidOptionError)

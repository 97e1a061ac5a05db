import {
  boolean, createParser, integer, ms, object, optional, orFalse, record, required, show, type Fail, type Parsed, type RulesOf
} from '@highload/options'
import { BreakerInvalidOptionError } from './errors.js'
import { layerRules, type LayerOptions, type ParsedLayers } from './core/options.js'

/**
 * One outbound dependency: the core policy's layers and classifiers (`PolicyOptions` without
 * `name`, which is the dependency's key, and `timers`, the plugin's own heap), plus the plugin's
 * own settings. `R` types `classifyResult`; any typed classifier is accepted with the default.
 */
export interface DependencyOptions<R = unknown> extends LayerOptions<R> {
  /**
   * With @highload/health: an open breaker fails readiness. Otherwise it only makes health `warn`.
   * @default false
   */
  critical?: boolean
  /**
   * Per-key breakers (`fastify.breaker(name, key)`) kept in the LRU; the least recently used
   * key is forgotten beyond it.
   * @default 1000
   */
  maxKeys?: number
}

export interface RouteBreakerOptions {
  /**
   * Deadline, from the moment the request arrives, for every call the route makes through
   * `request.breaker()`. Each call gets the time that is left, not a fresh timeout.
   * @default undefined
   */
  deadlineMs?: number
  /**
   * Abort the route's calls made through `request.breaker()` when the client disconnects.
   * @default true
   */
  cancelOnDisconnect?: boolean
}

export interface FastifyHighloadBreakerOptions {
  /** One policy per outbound dependency, by name. */
  dependencies: Record<string, DependencyOptions>
  /**
   * Route settings for routes without their own `config.breaker`. Unset: such routes get no
   * deadline and no disconnect cancellation.
   * @default undefined
   */
  routeDefaults?: RouteBreakerOptions
  /**
   * Register one check per dependency with @highload/health when it is present.
   * @default true
   */
  health?: boolean
}

/** The rules of `DependencyOptions`. */
export const dependencyRules = {
  ...layerRules,
  critical: boolean({ default: false }),
  maxKeys: integer({ default: 1000, min: 1 })
} satisfies RulesOf<DependencyOptions>

export const dependencyRule = object(dependencyRules)

/** What a route with breaker settings does; `null` (no deadline, no cancellation): nothing. */
export interface RouteParams {
  /** `Infinity`: no deadline. */
  readonly deadlineMs: number
  readonly cancelOnDisconnect: boolean
}

/** The rules of `RouteBreakerOptions`. */
export const routeRules = {
  deadlineMs: ms({ above: 0 }),
  cancelOnDisconnect: boolean({ default: true })
} satisfies RulesOf<RouteBreakerOptions>

export const routeRule = object(routeRules, {
  refine: (o): RouteParams | null => o.deadlineMs === undefined && !o.cancelOnDisconnect
    ? null
    : { deadlineMs: o.deadlineMs ?? Infinity, cancelOnDisconnect: o.cancelOnDisconnect }
})

export interface DependencySpec {
  readonly name: string
  /** The validated layers; the plugin adds the name, its timer heap and its state logger. */
  readonly layers: ParsedLayers
  readonly critical: boolean
  readonly maxKeys: number
}

export interface PluginParams {
  readonly dependencies: readonly DependencySpec[]
  readonly routeDefaults: RouteParams | null
  readonly health: boolean
}

/** The rules of `FastifyHighloadBreakerOptions`. */
export const pluginRules = {
  dependencies: required(record(dependencyRule, { key: /./s, keyExpected: 'a non-empty dependency name' })),
  routeDefaults: optional(routeRule),
  health: boolean({ default: true })
} satisfies RulesOf<FastifyHighloadBreakerOptions>

function toSpec (name: string, dependency: Parsed<typeof dependencyRules>): DependencySpec {
  const { critical, maxKeys, ...layers } = dependency
  return Object.freeze({ name, layers, critical, maxKeys })
}

export const pluginRule = object(pluginRules, {
  refine: (o): PluginParams => ({
    dependencies: Object.freeze(Object.entries(o.dependencies).map(([name, dependency]) => toSpec(name, dependency))),
    routeDefaults: o.routeDefaults ?? null,
    health: o.health
  })
})

/** Validates the plugin's options once, at registration. */
export const parsePluginOptions: (options: unknown) => PluginParams = createParser(pluginRule, BreakerInvalidOptionError)

/**
 * Validates a route's `config.breaker` when the route is added. The message names the route:
 * `Invalid @highload/breaker option config.breaker.deadlineMs of route GET /x: got ...`.
 */
const routeConfigRule = orFalse(routeRule)

export function parseRouteConfig (value: unknown, route: string): RouteParams | null {
  const fail: Fail = (path, bad, expected) => {
    throw new BreakerInvalidOptionError(`${path} of route ${route}`, show(bad), expected)
  }
  return routeConfigRule.parse(value, 'config.breaker', fail)
}

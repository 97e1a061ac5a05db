import type { PolicyOptions } from './core/options.js'
import { checkObject, fail, num } from './core/options.js'

export interface DependencyOptions extends Omit<PolicyOptions, 'name' | 'timers'> {
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

export interface RouteParams {
  readonly deadlineMs: number
  readonly cancelOnDisconnect: boolean
}

const ROUTE_KEYS = ['deadlineMs', 'cancelOnDisconnect'] as const

export function normalizeRoute (value: unknown, path: string): RouteParams | null {
  if (value === undefined || value === false) return null
  const o = checkObject(path, value, ROUTE_KEYS)
  const cancel = o.cancelOnDisconnect ?? true
  if (typeof cancel !== 'boolean') fail(path + '.cancelOnDisconnect', cancel, 'a boolean')
  const deadlineMs = num(path + '.deadlineMs', o.deadlineMs, Infinity, 0, Infinity, false, true)
  if (deadlineMs === Infinity && !cancel) return null
  return Object.freeze({ deadlineMs, cancelOnDisconnect: cancel })
}

export interface DependencySpec {
  readonly name: string
  readonly options: Omit<PolicyOptions, 'name' | 'timers'>
  readonly critical: boolean
  readonly maxKeys: number
}

export interface PluginParams {
  readonly dependencies: readonly DependencySpec[]
  readonly routeDefaults: RouteParams | null
  readonly health: boolean
}

export function normalizePlugin (options: unknown): PluginParams {
  const o = checkObject('options', options, ['dependencies', 'routeDefaults', 'health'])
  const deps = o.dependencies
  if (deps === null || typeof deps !== 'object' || Array.isArray(deps)) fail('options.dependencies', deps, 'an object mapping dependency names to policies')
  const dependencies: DependencySpec[] = []
  for (const [name, value] of Object.entries(deps)) {
    const path = `options.dependencies.${name}`
    if (value === null || typeof value !== 'object' || Array.isArray(value)) fail(path, value, 'an object of policy options')
    const { critical = false, maxKeys, ...policy } = value as DependencyOptions
    if (typeof critical !== 'boolean') fail(path + '.critical', critical, 'a boolean')
    dependencies.push(Object.freeze({
      name,
      options: policy,
      critical,
      maxKeys: num(path + '.maxKeys', maxKeys, 1000, 1, Infinity, true)
    }))
  }
  const health = o.health ?? true
  if (typeof health !== 'boolean') fail('options.health', health, 'a boolean')
  return Object.freeze({
    dependencies: Object.freeze(dependencies),
    routeDefaults: normalizeRoute(o.routeDefaults, 'options.routeDefaults'),
    health
  })
}

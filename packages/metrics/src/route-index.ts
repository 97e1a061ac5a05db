import type { IncomingMessage } from 'node:http'
import type { FastifyInstance, RouteOptions } from 'fastify'
import FindMyWay, { type HTTPMethod, type Instance } from 'find-my-way'
import type { Recorder, RouteState } from './recorder.js'

/** The route state for a request's method. Most routes have one method, found without a map lookup. */
export type StatePicker = (method: string) => RouteState

/** What a URL resolves to: a measured route's picker, `null` for a route the plugin leaves out, or no route. */
type Entry = StatePicker | null
const UNMATCHED = Symbol('highload.metrics.unmatched')
type Found = Entry | typeof UNMATCHED | undefined

/** Router options that change which URL reaches which route, with Fastify's defaults. */
const ROUTER_DEFAULTS = {
  caseSensitive: true,
  ignoreTrailingSlash: false,
  ignoreDuplicateSlashes: false,
  maxParamLength: 100,
  allowUnsafeRegex: false,
  useSemicolonDelimiter: false
}
type RouterKey = keyof typeof ROUTER_DEFAULTS
type RouterConfig = Partial<Record<RouterKey, unknown>> & { routerOptions?: Partial<Record<RouterKey, unknown>> }

/**
 * Fastify 5 takes each router option from `routerOptions` when set there, else from the deprecated
 * top-level option. `initialConfig` fills both in with defaults, so a `routerOptions` value that
 * differs from the default is the one the user set.
 */
function routerOption<K extends RouterKey> (config: RouterConfig, key: K): (typeof ROUTER_DEFAULTS)[K] {
  const nested = config.routerOptions?.[key]
  return (nested !== undefined && nested !== ROUTER_DEFAULTS[key] ? nested : config[key]) as (typeof ROUTER_DEFAULTS)[K]
}

const NO_QUERY = Object.freeze({})

/**
 * Finds the route of a request that no handler tagged: a reply sent before the handler (a 429, a
 * 400 from validation), a request aborted before its handler ran, a request no route matched.
 * Fastify does not say which route a raw request was routed to, so this mirrors the measured routes
 * in a router of the same kind (find-my-way) with the same matching options. It is consulted only
 * for untagged requests, never for a reply the handler sent.
 */
export class RouteIndex {
  readonly #router: Instance<FindMyWay.HTTPVersion.V1>
  readonly #fastify: FastifyInstance
  readonly #recorder: Recorder

  constructor (fastify: FastifyInstance, recorder: Recorder) {
    const config = fastify.initialConfig as RouterConfig
    // `useSemicolonDelimiter` is missing from find-my-way's types; it splits the path at ';' as Fastify's router does when set.
    const options: FindMyWay.Config<FindMyWay.HTTPVersion.V1> & { useSemicolonDelimiter: boolean } = {
      caseSensitive: routerOption(config, 'caseSensitive'),
      ignoreTrailingSlash: routerOption(config, 'ignoreTrailingSlash'),
      ignoreDuplicateSlashes: routerOption(config, 'ignoreDuplicateSlashes'),
      maxParamLength: routerOption(config, 'maxParamLength'),
      allowUnsafeRegex: routerOption(config, 'allowUnsafeRegex'),
      useSemicolonDelimiter: routerOption(config, 'useSemicolonDelimiter'),
      querystringParser: () => NO_QUERY,
      // The handler and these callbacks return what the URL resolves to; `lookup` passes it back.
      defaultRoute: () => undefined,
      onBadUrl: () => UNMATCHED as unknown as undefined,
      onMaxParamLength: () => UNMATCHED as unknown as undefined
    }
    this.#router = FindMyWay(options)
    this.#fastify = fastify
    this.#recorder = recorder
  }

  /**
   * Mirrors a route; `null` marks one the plugin does not measure. False when the mirror cannot hold
   * it (a custom constraint strategy it does not know): the caller then watches that route with hooks.
   */
  add (route: RouteOptions, entry: Entry): boolean {
    const constraints = route.constraints ?? {}
    try {
      this.#router.on(route.method as HTTPMethod | HTTPMethod[], route.url, { constraints }, found, entry)
      return true
    } catch {
      return false
    }
  }

  /**
   * The state to record an untagged request under; `null` to leave it alone (a route the plugin
   * does not measure, or one its hooks watch). An aborted request the mirror does not know is left
   * alone too: it may belong to a route watched by hooks, whose abort hook records it.
   */
  resolve (request: IncomingMessage, aborted: boolean): RouteState | null {
    // Always set on a request Node's server parsed.
    const method = request.method as string
    let entry = this.#router.lookup(request, null as never) as Found
    if (entry === undefined) {
      if (aborted) return null
      // A reply no route sent, unless Fastify knows a route the mirror does not: one registered
      // before the plugin, or one the mirror could not hold (its hooks tagged its replies already).
      entry = this.#fastify.findRoute({ method: method as HTTPMethod, url: request.url as string }) === null ? UNMATCHED : null
    }
    if (entry === UNMATCHED) return this.#recorder.unmatchedState(method)
    return entry === null ? null : entry(method)
  }
}

function found (_req: unknown, _res: unknown, _params: unknown, store: Entry): Entry {
  return store
}

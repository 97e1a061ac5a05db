import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyPluginAsync, onRequestAbortHookHandler, onRequestHookHandler } from 'fastify'
import { TimerHeap } from './core/timers.js'
import type { StateChangeEvent } from './core/options.js'
import { registerHealthChecks } from './health.js'
import { normalizePlugin, normalizeRoute } from './options.js'
import type { FastifyHighloadBreakerOptions, RouteBreakerOptions } from './options.js'
import { createRegistry, Dependency } from './registry.js'
import type { BreakerRegistry, RequestBreaker } from './registry.js'
import { BoundBreaker, RequestScope } from './route.js'

export * from './core/index.js'
export type { DependencyOptions, FastifyHighloadBreakerOptions, RouteBreakerOptions } from './options.js'
export type { BreakerRegistry, RequestBreaker, RequestCallOptions } from './registry.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Outbound dependency policies: `fastify.breaker(name, key?)`, plus `states()`, `isolate()`, `reset()`. */
    breaker: BreakerRegistry
  }
  interface FastifyRequest {
    /** The dependency's policy bound to this request's deadline and disconnect signal. */
    breaker: (name: string, key?: string) => RequestBreaker
    /** @internal per-request outbound scope (null on routes without breaker route config). */
    highloadBreakerScope: RequestScope | null
  }
  interface FastifyContextConfig {
    /** Deadline and disconnect cancellation for calls made through `request.breaker()`; `false` opts out of `routeDefaults`. */
    breaker?: RouteBreakerOptions | false
  }
}

function append<T> (hooks: T | T[] | undefined, hook: T): T[] {
  if (hooks === undefined) return [hook]
  return Array.isArray(hooks) ? [...hooks, hook] : [hooks, hook]
}

const plugin: FastifyPluginAsync<FastifyHighloadBreakerOptions> = async (fastify: FastifyInstance, options) => {
  const params = normalizePlugin(options)
  const timers = new TimerHeap()
  const log = fastify.log
  const onStateChange = (event: StateChangeEvent): void => {
    const fields = { dependency: event.name, key: event.key, from: event.from, to: event.to, reason: event.reason, openMs: event.openMs }
    if (event.to === 'open') log.warn(fields, 'circuit breaker opened')
    else log.info(fields, 'circuit breaker state changed')
  }
  const deps = new Map<string, Dependency>()
  for (const spec of params.dependencies) deps.set(spec.name, new Dependency(spec, timers, onStateChange))
  const registry = createRegistry(deps)

  fastify.decorate('breaker', registry)
  fastify.decorateRequest('highloadBreakerScope', null)
  fastify.decorateRequest('breaker', function (this: { highloadBreakerScope: RequestScope | null }, name: string, key?: string): RequestBreaker {
    return new BoundBreaker(registry(name, key), this.highloadBreakerScope)
  })

  fastify.addHook('onRoute', (route) => {
    const config = (route.config as { breaker?: unknown } | undefined)?.breaker
    const route_ = config === undefined
      ? params.routeDefaults
      : normalizeRoute(config, `config.breaker of route ${String(route.method)} ${route.url}`)
    if (route_ === null) return
    const { deadlineMs, cancelOnDisconnect } = route_
    const start: onRequestHookHandler = function (request, _reply, done) {
      request.highloadBreakerScope = new RequestScope(Date.now() + deadlineMs, cancelOnDisconnect)
      done()
    }
    route.onRequest = append(route.onRequest, start)
    if (cancelOnDisconnect) {
      const cancel: onRequestAbortHookHandler = function (request, done) {
        request.highloadBreakerScope?.abort()
        done()
      }
      route.onRequestAbort = append(route.onRequestAbort, cancel)
    }
  })

  fastify.addHook('onReady', async function () {
    if (params.health) registerHealthChecks(fastify, deps.values())
  })

  fastify.addHook('onClose', async function () {
    timers.clear()
    for (const dep of deps.values()) dep.keys.clear()
  })
}

/** Circuit breakers, timeouts, budgeted retries and bulkheads for outbound dependencies. */
export const fastifyHighloadBreaker = fp(plugin, { fastify: '5.x', name: '@highload/breaker' })
export default fastifyHighloadBreaker

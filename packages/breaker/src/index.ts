import fp from 'fastify-plugin'
import { appendHook } from '@highload/options'
import type { FastifyInstance, FastifyPluginAsync, onRequestAbortHookHandler, onRequestHookHandler } from 'fastify'
import { TimerHeap } from './core/timers.js'
import type { StateChangeEvent } from './core/options.js'
import { registerHealthChecks } from './health.js'
import { parsePluginOptions, parseRouteConfig } from './options.js'
import type { FastifyHighloadBreakerOptions, RouteBreakerOptions } from './options.js'
import { createRegistry, Dependency } from './registry.js'
import type { HighloadBreaker, RequestBreaker } from './registry.js'
import { BoundBreaker, RequestScope } from './route.js'

export * from './core/index.js'
export type { DependencyOptions, FastifyHighloadBreakerOptions, RouteBreakerOptions } from './options.js'
export type { HighloadBreaker, RequestBreaker, RequestCallOptions } from './registry.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** Outbound dependency policies: `fastify.breaker(name, key?)`, plus `states()`, `isolate()`, `reset()`. */
    breaker: HighloadBreaker
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

const plugin: FastifyPluginAsync<FastifyHighloadBreakerOptions> = async (fastify: FastifyInstance, options) => {
  const params = parsePluginOptions(options)
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
    const settings = config === undefined
      ? params.routeDefaults
      : parseRouteConfig(config, `${String(route.method)} ${route.url}`)
    if (settings === null) return
    const { deadlineMs, cancelOnDisconnect } = settings
    const start: onRequestHookHandler = function (request, _reply, done) {
      request.highloadBreakerScope = new RequestScope(Date.now() + deadlineMs, cancelOnDisconnect)
      done()
    }
    route.onRequest = appendHook(route.onRequest, start)
    if (cancelOnDisconnect) {
      const cancel: onRequestAbortHookHandler = function (request, done) {
        request.highloadBreakerScope?.abort()
        done()
      }
      route.onRequestAbort = appendHook(route.onRequestAbort, cancel)
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

import type { FastifyInstance, RouteOptions } from 'fastify'
import { appendHook } from '@highload/options'
import { MetricsUnknownSloError } from './errors.js'
import type { MetricsParams, MetricsTiming } from './options.js'
import type { Recorder, RouteState } from './recorder.js'
import type { RouteIndex } from './route-index.js'
import { picker, routeHooks } from './route-hooks.js'
import type { SloEngine } from './slo/engine.js'

function sloNames (route: RouteOptions, params: MetricsParams): readonly string[] {
  const value = route.config?.slo
  if (value === undefined) return []
  const names = typeof value === 'string' ? [value] : value
  for (const name of names) {
    if (!params.slos.some((s) => s.name === name)) {
      throw new MetricsUnknownSloError([route.method].flat().join(','), route.url, String(name))
    }
  }
  return names
}

/** What measuring a route needs, built once at registration. */
export interface MeasureContext {
  readonly params: MetricsParams
  readonly engine: SloEngine
  readonly recorder: Recorder
  /** The timing decided for this server. */
  readonly timing: MetricsTiming
  /** Server timing's route index; null under hooks timing. */
  readonly index: RouteIndex | null
}

/**
 * Builds each route's recording state when Fastify adds it (`onRoute`): its label, the SLOs it
 * belongs to, and the hooks or handler wrapper of the timing in use.
 */
export function measureRoutes (fastify: FastifyInstance, { params, engine, recorder, timing, index }: MeasureContext): void {
  const timeouts = Number(fastify.initialConfig.connectionTimeout) > 0
  fastify.addHook('onRoute', (route) => {
    if (route.config?.metrics === false) {
      index?.add(route, null)
      return
    }
    const named = sloNames(route, params)
    const label = typeof route.config?.statsId === 'string' ? route.config.statsId : route.url
    const states = new Map<string, RouteState>()
    for (const method of [route.method].flat()) {
      const slos = engine.trackers
        .filter(({ params: s }) => (s.methods === null || s.methods.has(method)) &&
          (s.routes === null || s.routes(route.url) || named.includes(s.name)))
        .map((tracker) => ({ tracker, params: tracker.params }))
      states.set(method, recorder.state(method, label, slos))
    }
    const pick = picker(states)
    const hooks = routeHooks(timing, recorder, pick, index?.add(route, pick) === true)
    if (hooks.wrapHandler !== undefined) route.handler = hooks.wrapHandler(route.handler)
    if (hooks.onSend !== undefined) route.onSend = appendHook(route.onSend, hooks.onSend)
    if (hooks.onResponse !== undefined) route.onResponse = appendHook(route.onResponse, hooks.onResponse)
    if (timeouts) route.onTimeout = appendHook(route.onTimeout, hooks.onTimeout)
    if (hooks.onRequestAbort !== undefined) route.onRequestAbort = appendHook(route.onRequestAbort, hooks.onRequestAbort)
  })
}

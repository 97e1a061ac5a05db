import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { MetricsTiming } from './options.js'
import type { Recorder, RouteState } from './recorder.js'
import { kRouteState, kStartedAt, type TimedRequest } from './server-timing.js'

/** Set on a request whose outcome is already recorded (timeout, abort), so nothing counts it twice. */
const kSettled = Symbol('highload.metrics.settled')
interface Settled { [kSettled]?: true }

type StatePicker = (request: FastifyRequest) => RouteState

/**
 * Route config key holding a measured route's state picker. The app-wide `onSend` reads it only
 * for a reply the handler wrapper did not tag (one sent before the handler, such as a 429 from a
 * rate limit), through `request.routeOptions`, which builds an object: fine off the hot path.
 */
export const kRoutePicker = Symbol('highload.metrics.routePicker')
interface PickerConfig { [kRoutePicker]?: StatePicker }

/** The state for the request's method. Most routes have one method, found without a map lookup. */
export function picker (states: ReadonlyMap<string, RouteState>): StatePicker {
  const single = states.size === 1 ? [...states.values()][0] as RouteState : null
  return (request) => single ?? states.get(request.method) as RouteState
}

/** Milliseconds since Node's server received the request when a `server`-timed app stamped it; else Fastify's own timer. */
function elapsedMs (request: FastifyRequest, reply: FastifyReply): number {
  const started = (request.raw as TimedRequest)[kStartedAt]
  return started === undefined ? reply.elapsedTime : performance.now() - started
}

/**
 * `server` timing: tags the request with the route state, so Node's `response.finish` event
 * records it with the status finally sent. A request that did not come through Node's HTTP server
 * (`fastify.inject()`, a non-Node server) has no start stamp: its response is watched directly and
 * timed by Fastify's own timer (0 ms unless Fastify's logger or an `onResponse` hook runs it).
 */
function tag (state: RouteState, request: FastifyRequest, reply: FastifyReply): void {
  const raw = request.raw as TimedRequest
  // Called once per response: by the handler wrapper, or by the app-wide onSend when the wrapper did
  // not run. A settled request (aborted, timed out) needs no check: its socket is gone, so no finish follows.
  if (raw[kStartedAt] === undefined) {
    reply.raw.once('finish', () => state.recorder.record(state, reply.raw.statusCode, reply.elapsedTime))
  }
  raw[kRouteState] = state
}

type Handler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown

type OnSend = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => void

export interface RouteHooks {
  /** `server` timing: wraps the route handler, so every reply the handler sends or hijacks is tagged before it runs. */
  wrapHandler?: (handler: Handler) => Handler
  onResponse?: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void
  onTimeout: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void
  onRequestAbort: (request: FastifyRequest, done: HookHandlerDoneFunction) => void
}

/** The hooks one route adds, holding its recording state. */
export function routeHooks (timing: MetricsTiming, recorder: Recorder, pick: StatePicker): RouteHooks {
  const settle: Pick<RouteHooks, 'onTimeout' | 'onRequestAbort'> = {
    onTimeout (request, reply, done) {
      // Node destroys the socket after a timeout, so no finish follows; the abort that follows must not count.
      (request as Settled)[kSettled] = true
      recorder.recordTimeout(pick(request), elapsedMs(request, reply))
      done()
    },
    onRequestAbort (request, done) {
      if ((request as Settled)[kSettled] !== true) {
        (request as Settled)[kSettled] = true
        recorder.recordAbort(pick(request))
      }
      done()
    }
  }
  if (timing === 'server') {
    return {
      ...settle,
      // Tags before the handler runs (which may hijack the reply); the app-wide onSend covers
      // replies sent before the handler (appHooks).
      wrapHandler: (handler) => function measured (request, reply) {
        tag(pick(request), request, reply)
        return handler.call(this, request, reply)
      }
    }
  }
  return {
    ...settle,
    onResponse (request, reply, done) {
      if ((request as Settled)[kSettled] !== true) recorder.record(pick(request), reply.statusCode, reply.elapsedTime)
      done()
    }
  }
}

/**
 * App-wide hooks. `server` timing: one `onSend` tags what the handler wrapper did not, replies
 * sent before the handler (429s, 400s, 401s) and requests no route matched (`__unmatched__`); a
 * reply the handler sends is tagged already and costs one property read. `hooks` timing: the
 * route hooks record matched routes, so this records only the unmatched.
 */
export function appHooks (timing: MetricsTiming, recorder: Recorder): { onSend?: OnSend, onResponse?: RouteHooks['onResponse'] } {
  if (timing === 'server') {
    return {
      onSend (request, reply, payload, done) {
        if ((request.raw as TimedRequest)[kRouteState] === undefined) {
          if (request.is404) {
            tag(recorder.unmatchedState(request.method), request, reply)
          } else {
            // Undefined for a route the plugin does not measure (`config.metrics: false`, or added before it).
            const pick = (request.routeOptions.config as PickerConfig)[kRoutePicker]
            if (pick !== undefined) tag(pick(request), request, reply)
          }
        }
        done(null, payload)
      }
    }
  }
  return {
    onResponse (request, reply, done) {
      if (request.is404 && (request as Settled)[kSettled] !== true) {
        recorder.record(recorder.unmatchedState(request.method), reply.statusCode, reply.elapsedTime)
      }
      done()
    }
  }
}

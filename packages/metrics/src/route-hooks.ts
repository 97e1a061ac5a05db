import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { MetricsTiming } from './options.js'
import type { Recorder, RouteState } from './recorder.js'
import { kRouteState, kStartedAt, type TaggedResponse, type TimedRequest } from './server-timing.js'

/** Set on a request whose outcome is already recorded (timeout, abort, injected reply), so nothing counts it twice. */
const kSettled = Symbol('highload.metrics.settled')
interface Settled { [kSettled]?: true }

type StatePicker = (request: FastifyRequest) => RouteState

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
 * `server` timing: tags the response with the route state, so Node's `response.finish` event
 * records it with the status finally sent. A request that did not come through Node's HTTP server
 * (`fastify.inject()`, a non-Node server) has no start stamp: its response is watched directly and
 * timed by Fastify's own timer (0 ms unless Fastify's logger or an `onResponse` hook runs it).
 */
function tag (state: RouteState, request: FastifyRequest, reply: FastifyReply): void {
  const raw = reply.raw as TaggedResponse
  // The handler wrapper tagged it already: onSend of a reply the handler sent has nothing to add.
  if (raw[kRouteState] === state || (request as Settled)[kSettled] === true) return
  if ((request.raw as TimedRequest)[kStartedAt] === undefined && raw[kRouteState] === undefined) {
    raw.once('finish', () => {
      const tagged = raw[kRouteState]
      if (tagged !== undefined) tagged.recorder.record(tagged, raw.statusCode, reply.elapsedTime)
    })
  }
  raw[kRouteState] = state
}

type Handler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown

export interface RouteHooks {
  /** `server` timing: wraps the route handler, so a reply the handler hijacks is measured too. */
  wrapHandler?: (handler: Handler) => Handler
  onSend?: (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => void
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
      // Tags before the handler runs (which may hijack the reply) ...
      wrapHandler: (handler) => function measured (request, reply) {
        tag(pick(request), request, reply)
        return handler.call(this, request, reply)
      },
      // ... and at every send, which also covers replies sent before the handler (429s, 400s, 401s).
      onSend (request, reply, payload, done) {
        tag(pick(request), request, reply)
        done(null, payload)
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

/** Records requests no route matched (`__unmatched__`); added as an app-wide hook, as no route sees them. */
export function unmatchedHooks (timing: MetricsTiming, recorder: Recorder): Pick<RouteHooks, 'onSend' | 'onResponse'> {
  if (timing === 'server') {
    return {
      onSend (request, reply, payload, done) {
        if (request.is404) tag(recorder.unmatchedState(request.method), request, reply)
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

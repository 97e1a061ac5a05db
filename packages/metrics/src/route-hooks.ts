import type { FastifyInstance, FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify'
import type { MetricsTiming } from './options.js'
import type { Recorder, RouteState } from './recorder.js'
import type { StatePicker } from './route-index.js'
import { kRouteState, kStartedAt, type TimedRequest } from './server-timing.js'

/** A picker for the states of one route, by method. Most routes have one method, found without a map lookup. */
export function picker (states: ReadonlyMap<string, RouteState>): StatePicker {
  const single = states.size === 1 ? [...states.values()][0] as RouteState : null
  return (method) => single ?? states.get(method) as RouteState
}

/**
 * Marks a request whose outcome is recorded (timeout, abort) or is not to be, so nothing counts it
 * twice. `server` timing keeps the mark on Node's request, where the server channels look
 * (`kRouteState` set to null). `hooks` timing keeps its own on Fastify's request: another instance
 * in the process may use server timing, whose finish event clears `kRouteState` on every request.
 */
const kSettled = Symbol('highload.metrics.settled')
interface Settled { [kSettled]?: true }
interface Settlement { settled: (request: FastifyRequest) => boolean, settle: (request: FastifyRequest) => void }
const SETTLEMENT: Record<MetricsTiming, Settlement> = {
  server: {
    settled: (request) => (request.raw as TimedRequest)[kRouteState] === null,
    settle: (request) => { (request.raw as TimedRequest)[kRouteState] = null }
  },
  hooks: {
    settled: (request) => (request as Settled)[kSettled] === true,
    settle: (request) => { (request as Settled)[kSettled] = true }
  }
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
  if (raw[kStartedAt] === undefined) {
    reply.raw.once('finish', () => state.recorder.record(state, reply.raw.statusCode, reply.elapsedTime))
  }
  raw[kRouteState] = state
}

type Handler = (this: FastifyInstance, request: FastifyRequest, reply: FastifyReply) => unknown

type OnSend = (request: FastifyRequest, reply: FastifyReply, payload: unknown, done: (err: null, payload: unknown) => void) => void
type OnResponse = (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void

export interface RouteHooks {
  /** `server` timing: wraps the route handler, so every reply the handler sends or hijacks is tagged before it runs. */
  wrapHandler?: (handler: Handler) => Handler
  onSend?: OnSend
  onResponse?: OnResponse
  /** Added only with a connection timeout: without one it never fires, and its presence costs an allocation per request. */
  onTimeout: (request: FastifyRequest, reply: FastifyReply, done: HookHandlerDoneFunction) => void
  onRequestAbort?: (request: FastifyRequest, done: HookHandlerDoneFunction) => void
}

/**
 * The hooks one route adds, holding its recording state. `indexed`: the route is in the plugin's
 * route index, so in `server` timing the server channels find its early replies and aborts, and it
 * needs no per-request hook but the handler wrapper. A route the index could not hold keeps an
 * `onSend` to tag early replies and an `onRequestAbort` for aborts before its handler.
 */
export function routeHooks (timing: MetricsTiming, recorder: Recorder, pick: StatePicker, indexed: boolean): RouteHooks {
  const { settled, settle } = SETTLEMENT[timing]
  const onTimeout: RouteHooks['onTimeout'] = (request, reply, done) => {
    // Node destroys the socket after a timeout, so no finish follows; the abort that follows must not count.
    settle(request)
    recorder.recordTimeout(pick(request.method), elapsedMs(request, reply))
    done()
  }
  const onRequestAbort: RouteHooks['onRequestAbort'] = (request, done) => {
    if (!settled(request)) {
      settle(request)
      recorder.recordAbort(pick(request.method))
    }
    done()
  }
  if (timing === 'hooks') {
    return {
      onTimeout,
      onRequestAbort,
      onResponse (request, reply, done) {
        if (!settled(request)) recorder.record(pick(request.method), reply.statusCode, reply.elapsedTime)
        done()
      }
    }
  }
  const wrapHandler: RouteHooks['wrapHandler'] = (handler) => function measured (request, reply) {
    tag(pick(request.method), request, reply)
    return handler.call(this, request, reply)
  }
  if (indexed) return { onTimeout, wrapHandler }
  return {
    onTimeout,
    wrapHandler,
    onRequestAbort,
    onSend (request, reply, payload, done) {
      // Replies sent before the handler; one the handler sends is tagged already.
      if ((request.raw as TimedRequest)[kRouteState] === undefined) tag(pick(request.method), request, reply)
      done(null, payload)
    }
  }
}

/** `hooks` timing: records the requests no route matched (`server` timing finds them through the route index). */
export function unmatchedHook (recorder: Recorder): OnResponse {
  return (request, reply, done) => {
    if (request.is404 && !SETTLEMENT.hooks.settled(request)) {
      recorder.record(recorder.unmatchedState(request.method), reply.statusCode, reply.elapsedTime)
    }
    done()
  }
}

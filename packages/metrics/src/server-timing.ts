import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { RouteState } from './recorder.js'

/**
 * Request timing and outcomes from Node's own HTTP server, through the diagnostics channels it
 * publishes for every HTTP/1 request: `http.server.request.start` when the request's headers are
 * parsed and `http.server.response.finish` when the response is flushed. Fastify times a request
 * only when its logger or an `onResponse` hook is on, and detects aborts only with a `close`
 * listener and a closure per request; the channels need no hook, and one `close` listener per
 * connection sees every request still in flight when it drops.
 *
 * One subscription serves every plugin instance in the process: the handler wrapper tags a request
 * with its route state (route-hooks.ts), and the state knows its recorder. A request no handler
 * tagged (an early reply, an unmatched request, an abort before the handler) is resolved by the
 * instance that owns its server (route-index.ts).
 */

export const START_CHANNEL = 'http.server.request.start'
export const FINISH_CHANNEL = 'http.server.response.finish'

/** `performance.now()` when Node's server received the request. */
export const kStartedAt = Symbol('highload.metrics.startedAt')
/**
 * Recording state of the route that answers, set by the handler wrapper; `null` once the outcome is
 * recorded (or is not to be), so nothing counts it twice. Kept on the request beside the start stamp,
 * so the plugin adds properties to one of Node's objects per request, not two.
 */
export const kRouteState = Symbol('highload.metrics.routeState')
/** The request before it on the same connection, while both were in flight (HTTP/1 pipelining). */
const kPrevious = Symbol('highload.metrics.previous')
/** On a connection: its latest request still in flight; `null` when none is; absent before its first. */
const kLatest = Symbol('highload.metrics.latest')
const kServer = Symbol('highload.metrics.server')

export interface TimedRequest extends IncomingMessage {
  [kStartedAt]?: number
  [kRouteState]?: RouteState | null
  [kPrevious]?: TimedRequest | null
}
interface TrackedSocket extends Socket { [kLatest]?: TimedRequest | null, [kServer]?: Server }
interface ServerMessage { request: TimedRequest, response: ServerResponse, socket: TrackedSocket, server: Server }

/** Resolves the state of a request no handler tagged; `null` leaves it unrecorded. */
export type UntaggedResolver = (request: IncomingMessage, aborted: boolean) => RouteState | null
const resolvers = new WeakMap<Server, UntaggedResolver>()

function untagged (server: Server, request: IncomingMessage, aborted: boolean): RouteState | null {
  const resolve = resolvers.get(server)
  return resolve === undefined ? null : resolve(request, aborted)
}

function onStart (message: unknown): void {
  const { request, socket } = message as ServerMessage
  request[kStartedAt] = performance.now()
  const latest = socket[kLatest]
  if (latest === undefined) {
    socket[kServer] = (message as ServerMessage).server
    socket.on('close', onClose)
  }
  request[kPrevious] = latest ?? null
  socket[kLatest] = request
}

function onFinish (message: unknown): void {
  const { request, response, socket, server } = message as ServerMessage
  let state = request[kRouteState]
  // Responses on a connection finish in order, so the latest finishing leaves none in flight.
  // An older one (pipelining) stays reachable from a newer one, so it is marked done instead.
  if (socket[kLatest] === request) socket[kLatest] = null
  else request[kRouteState] = null
  const started = request[kStartedAt]
  // Unstamped: the request arrived before the subscription; the route's own finish listener records it.
  if (state === null || started === undefined) return
  if (state === undefined) {
    state = untagged(server, request, false)
    if (state === null) return
  }
  state.recorder.record(state, response.statusCode, performance.now() - started)
}

/** A connection dropped: every request on it still in flight was aborted (a timeout settled its own). */
function onClose (this: TrackedSocket): void {
  let request = this[kLatest]
  this[kLatest] = null
  for (; request != null; request = request[kPrevious]) {
    let state = request[kRouteState]
    if (state === null) continue
    if (state === undefined) {
      state = untagged(this[kServer] as Server, request, true)
      if (state === null) continue
    }
    request[kRouteState] = null
    state.recorder.recordAbort(state)
  }
}

let users = 0

/**
 * Subscribes to the server channels while any plugin instance uses them, and routes the untagged
 * requests of `server` to `resolve`. Returns the release function, called once at close.
 */
export function useServerTiming (server: Server, resolve: UntaggedResolver): () => void {
  resolvers.set(server, resolve)
  if (users++ === 0) {
    subscribe(START_CHANNEL, onStart)
    subscribe(FINISH_CHANNEL, onFinish)
  }
  return () => {
    resolvers.delete(server)
    if (--users === 0) {
      unsubscribe(START_CHANNEL, onStart)
      unsubscribe(FINISH_CHANNEL, onFinish)
    }
  }
}

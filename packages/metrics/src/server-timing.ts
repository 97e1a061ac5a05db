import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { RouteState } from './recorder.js'

/**
 * Request timing from Node's own HTTP server, through the diagnostics channels it publishes for
 * every HTTP/1 request: `http.server.request.start` when the request's headers are parsed and
 * `http.server.response.finish` when the response is flushed. Fastify times a request only when
 * its logger or an `onResponse` hook is on, and such a hook is per-request work of its own; listening
 * to the channels needs no hook.
 *
 * One subscription serves every plugin instance in the process: a response is recorded only when
 * an instance tagged its request with a route state (route-hooks.ts), and the state knows its recorder.
 */

export const START_CHANNEL = 'http.server.request.start'
export const FINISH_CHANNEL = 'http.server.response.finish'

/** `performance.now()` when Node's server received the request. */
export const kStartedAt = Symbol('highload.metrics.startedAt')
/**
 * Recording state of the route that answers; set by the handler wrapper or the app-wide `onSend`,
 * read when the response finishes. Kept on the request beside the start stamp, so the plugin
 * adds properties to one of Node's objects, not two.
 */
export const kRouteState = Symbol('highload.metrics.routeState')

export interface TimedRequest extends IncomingMessage { [kStartedAt]?: number, [kRouteState]?: RouteState }
interface ServerMessage { request: TimedRequest, response: ServerResponse }

function onStart (message: unknown): void {
  (message as ServerMessage).request[kStartedAt] = performance.now()
}

function onFinish (message: unknown): void {
  const { request, response } = message as ServerMessage
  const state = request[kRouteState]
  const started = request[kStartedAt]
  // Untagged: another server, an unmeasured route, or an outcome already recorded (timeout).
  // Unstamped: the request arrived before the subscription; the route's own finish listener records it.
  if (state === undefined || started === undefined) return
  state.recorder.record(state, response.statusCode, performance.now() - started)
}

let users = 0

/** Subscribes to the server channels while any plugin instance uses them. Returns the release function, called once at close. */
export function useServerTiming (): () => void {
  if (users++ === 0) {
    subscribe(START_CHANNEL, onStart)
    subscribe(FINISH_CHANNEL, onFinish)
  }
  return () => {
    if (--users === 0) {
      unsubscribe(START_CHANNEL, onStart)
      unsubscribe(FINISH_CHANNEL, onFinish)
    }
  }
}

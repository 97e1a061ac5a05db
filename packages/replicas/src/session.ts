import type { FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import { appendHook } from '@highload/options'
import { HighloadDb, type Session } from './db.js'
import { ReplicasInvalidOptionError, ReplicasInvalidTokenError } from './errors.js'
import { formatLsn, parseLsn } from './lsn.js'
import type { Router } from './router.js'

/** Route settings: `config.db`. */
export interface RouteDbOptions {
  /** Where `request.db.query()` goes without a target on this route. */
  target?: 'primary' | 'auto'
  /** This route's reads: `session` honours the token, `eventual` ignores it, `strong` uses the primary. */
  consistency?: 'session' | 'eventual' | 'strong'
}

const STATE = Symbol('highload.replicas.session')
type WithState = FastifyRequest & { [STATE]?: { session: Session, key: string | null } }

/**
 * The client's token: the header's (a malformed one is the 400 to answer), or the cookie's when
 * higher. A malformed cookie is ignored: it would otherwise break every request until it expires.
 */
function incomingToken (request: FastifyRequest, header: string, cookie: RegExp | null): bigint | null | Error {
  const raw = request.headers[header]
  // A repeated header arrives joined (`a, b`) or as an array: malformed either way.
  const token = raw === undefined ? null : parseLsn(String(raw))
  if (token === null && raw !== undefined) return new ReplicasInvalidTokenError(header)
  const jar = cookie === null ? undefined : request.headers.cookie
  const fromCookie = jar === undefined ? null : parseLsn(cookie!.exec(jar)?.[1] ?? '')
  return fromCookie !== null && (token === null || fromCookie > token) ? fromCookie : token
}

function routeSettings (value: unknown, url: string): RouteDbOptions | false {
  if (value === undefined || value === false) return value ?? {}
  const bad = (path: string, got: unknown, expected: string): never => {
    throw new ReplicasInvalidOptionError(`config.db${path} of route ${url}`, String(got), expected)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) bad('', value, 'an object or false')
  const o = value as Record<string, unknown>
  for (const key of Object.keys(o)) if (key !== 'target' && key !== 'consistency') bad(`.${key}`, o[key], 'one of target, consistency')
  if (o.target !== undefined && o.target !== 'primary' && o.target !== 'auto') bad('.target', o.target, "'primary' or 'auto'")
  if (o.consistency !== undefined && !['session', 'eventual', 'strong'].includes(o.consistency as string)) {
    bad('.consistency', o.consistency, "one of 'session', 'eventual', 'strong'")
  }
  return o as RouteDbOptions
}

/**
 * The `onRoute` hook: each route's requests get a `request.db` carrying the client's LSN token
 * (header), and a request that wrote sends back the primary's insert LSN (the higher of it and
 * the incoming token). `config.db: false` opts out: `request.db` is `fastify.db`.
 */
export function routeHook (router: Router, shared: HighloadDb): (route: RouteOptions) => void {
  const header = router.params.consistency.header
  const cookieName = router.params.consistency.cookie
  const cookie = cookieName === null ? null : new RegExp(`(?:^|;\\s*)${cookieName}=([^;]*)`)
  const cookieAttributes = `; Path=/; Max-Age=${Math.ceil(router.params.consistency.ttlMs / 1000)}; HttpOnly; SameSite=Lax`
  return (route) => {
    const settings = routeSettings((route.config as { db?: unknown } | undefined)?.db, route.url)
    if (settings === false) {
      route.onRequest = appendHook(route.onRequest, function optedOut (request: FastifyRequest, _reply: FastifyReply, done: () => void) {
        request.db = shared
        done()
      } as never)
      return
    }
    // A @fastify/postgres transaction on the primary writes, whatever the handler does with it.
    const transact = (route as { pg?: { transact?: unknown } }).pg?.transact
    const wrote = transact === 'primary'
    const open = (request: FastifyRequest, token: bigint | null, consistency: RouteDbOptions['consistency'], key: string | null): void => {
      const session: Session = { token, wrote, consistency, target: settings.target }
      ;(request as WithState)[STATE] = { session, key }
      request.db = new HighloadDb(router, session)
    }
    const store = router.params.store
    if (store === null) {
      route.onRequest = appendHook(route.onRequest, function tokenIn (request: FastifyRequest, _reply: FastifyReply, done: (err?: Error) => void) {
        const token = incomingToken(request, header, cookie)
        if (token instanceof Error) {
          done(token)
          return
        }
        open(request, token, settings.consistency, null)
        done()
      } as never)
    } else {
      route.onRequest = appendHook(route.onRequest, async function storedTokenIn (request: FastifyRequest) {
        let token = incomingToken(request, header, cookie)
        if (token instanceof Error) throw token
        let consistency = settings.consistency
        const key = store.key(request) ?? null
        if (key !== null) {
          try {
            const stored = parseLsn(String(await store.store.get(key)))
            if (stored !== null && (token === null || stored > token)) token = stored
          } catch (err) {
            // Without the stored token a read could miss this user's own write: use the primary.
            request.log.warn({ err }, '@highload/replicas: the token store failed; this request reads from the primary')
            consistency = 'strong'
          }
        }
        open(request, token, consistency, key)
      } as never)
    }
    route.onSend = appendHook(route.onSend, async function tokenOut (request: FastifyRequest, reply: FastifyReply, payload: unknown) {
      const state = (request as WithState)[STATE]
      if (state === undefined) return payload
      const session = state.session
      let token = session.token
      if (session.wrote) {
        try {
          const lsn = await router.currentLsn()
          if (token === null || lsn > token) token = lsn
          if (state.key !== null) await store!.store.set(state.key, formatLsn(token), store!.ttlMs)
        } catch (err) {
          request.log.warn({ err }, '@highload/replicas: could not record the primary\'s WAL position after a write')
        }
      }
      if (token !== null) reply.header(header, formatLsn(token))
      if (token !== null && session.wrote && cookieName !== null) reply.header('set-cookie', `${cookieName}=${formatLsn(token)}${cookieAttributes}`)
      return payload
    } as never)
  }
}

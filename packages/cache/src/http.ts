import { createHash } from 'node:crypto'
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify'
import {
  appendHook, boolean, createParser, custom, func, list, ms, object, optional, text, type RulesOf
} from '@highload/options'
import type { HighloadCache } from './cache.js'
import { CacheInvalidOptionError } from './errors.js'
import { collapsedChannel } from './events.js'
import type { CacheParams } from './options.js'

/** `config.cache` of a route: `true` for the defaults, or these settings. */
export interface CacheRouteOptions {
  /**
   * Freshness of the stored response.
   * @default the plugin's ttlMs
   */
  ttlMs?: number
  /**
   * `max-age` sent to browsers (in ms; sent in seconds).
   * @default 0
   */
  browserTtlMs?: number
  /**
   * `s-maxage` and `CDN-Cache-Control` `max-age` for shared caches.
   * @default ttlMs
   */
  cdnTtlMs?: number
  /**
   * After expiry, stale is answered at once while one request refreshes the entry (and sent as `stale-while-revalidate`).
   * @default the plugin's staleWhileRevalidateMs
   */
  staleWhileRevalidateMs?: number
  /**
   * After expiry, a 5xx from the handler is replaced by the stale response (and sent as `stale-if-error`).
   * @default the plugin's staleIfErrorMs
   */
  staleIfErrorMs?: number
  /**
   * Tags of the stored response, or a function of the request that returns them.
   * @default []
   */
  tags?: readonly string[] | ((request: FastifyRequest) => readonly string[])
  /**
   * Query parameters in the key: `'all'` (parsed and sorted) or a list of names (the rest are ignored).
   * @default 'all'
   */
  query?: 'all' | readonly string[]
  /**
   * Request headers in the key (and in `Vary`).
   * @default []
   */
  vary?: readonly string[]
  /**
   * Adds your own part to the key (a tenant, a locale).
   * @default undefined
   */
  key?: (request: FastifyRequest) => string
  /**
   * Whether requests with an `Authorization` header may be answered from (and stored in) the cache.
   * Key on the principal (`key` or `vary`) when you turn it on.
   * @default false
   */
  allowAuthorization?: boolean
  /**
   * Whether requests with a `Cookie` header may be answered from (and stored in) the cache. A
   * handler that reads a session cookie would otherwise serve one user's response to another; turn
   * it on for routes whose response never depends on cookies (or put the cookie in `vary`/`key`).
   * @default false
   */
  allowCookies?: boolean
}

const HEADER = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/

export const routeRules = {
  ttlMs: optional(ms(), { doc: "the plugin's ttlMs" }),
  browserTtlMs: ms({ default: 0 }),
  cdnTtlMs: optional(ms(), { doc: 'ttlMs' }),
  staleWhileRevalidateMs: optional(ms(), { doc: "the plugin's staleWhileRevalidateMs" }),
  staleIfErrorMs: optional(ms(), { doc: "the plugin's staleIfErrorMs" }),
  tags: custom<readonly string[] | ((request: FastifyRequest) => readonly string[])>('an array of tags or a function',
    (v) => typeof v === 'function' || (Array.isArray(v) && v.every((x) => typeof x === 'string' && x.length > 0)), { default: [], doc: '[]' }),
  query: custom<'all' | readonly string[]>("'all' or an array of parameter names",
    (v) => v === 'all' || (Array.isArray(v) && v.every((x) => typeof x === 'string')), { default: 'all' }),
  vary: list(text({ pattern: HEADER, expected: 'a header name' }), { default: [] }),
  key: func<(request: FastifyRequest) => string>(),
  allowAuthorization: boolean({ default: false }),
  allowCookies: boolean({ default: false })
} satisfies RulesOf<CacheRouteOptions>

const parseRoute = createParser(object(routeRules), CacheInvalidOptionError)

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Route caching by @highload/cache: `true`, settings, or `false`/absent for none. */
    cache?: boolean | CacheRouteOptions
  }
  interface FastifyReply {
    /** Adds tags to the response being cached by @highload/cache (no-op on other routes). */
    cacheTags(...tags: string[]): this
  }
}

/** What is stored for a response: status, safe headers, body (base64), stored-at time. */
interface Stored {
  s: number
  h: Record<string, string>
  b: string
  c: number
}

/** Per-route settings, resolved once at registration. */
interface RouteParams {
  readonly url: string
  readonly ttlMs: number
  readonly negativeTtlMs: number
  readonly browserTtlMs: number
  readonly cdnTtlMs: number
  readonly staleWhileRevalidateMs: number
  readonly staleIfErrorMs: number
  readonly tags: readonly string[] | ((request: FastifyRequest) => readonly string[])
  readonly query: 'all' | readonly string[]
  readonly vary: readonly string[]
  readonly key: ((request: FastifyRequest) => string) | undefined
  readonly allowAuthorization: boolean
  readonly allowCookies: boolean
}

/** Per-request state (the `highloadCacheState` request decorator, null until a cached route sees the request). */
interface State {
  route: RouteParams
  key: string
  /** Answered from the cache: nothing to store. */
  served: boolean
  /** A stale entry kept for stale-if-error. */
  stale: Stored | null
  staleUntil: number
  tags: string[]
  /** Cache-Status when the handler ran. */
  forward: string
  resolve: ((value: Stored | undefined) => void) | null
}

// Response headers worth replaying from the cache; everything else (Set-Cookie above all) is dropped.
const SAFE = new Set(['content-type', 'content-language', 'content-location', 'location', 'link', 'etag',
  'last-modified', 'vary', 'cache-control', 'cdn-cache-control', 'expires', 'x-content-type-options'])
const STORABLE = new Set([200, 203, 204, 300, 301, 308, 404, 410])
const NEGATIVE = new Set([404, 410])
const OVERRIDES = ['x-http-method-override', 'x-http-method', 'x-method-override']
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

function seconds (ms: number): number {
  return Math.floor(ms / 1000)
}

function hash (text: string): string {
  return createHash('sha256').update(text).digest('base64url').slice(0, 32)
}

/** The tag every response of a path carries, so an unsafe method on the path invalidates them. */
export function pathTag (url: string): string {
  const q = url.indexOf('?')
  return 'http:path:' + hash(q === -1 ? url : url.slice(0, q))
}

function keyOf (request: FastifyRequest, route: RouteParams): string {
  // Fastify always parses both into objects (empty when there are none).
  const params = request.params as Record<string, unknown>
  const query = request.query as Record<string, unknown>
  const names = route.query === 'all' ? Object.keys(query).sort() : [...route.query].sort()
  const parts = [
    JSON.stringify(params, Object.keys(params).sort()),
    JSON.stringify(names.filter((n) => query[n] !== undefined).map((n) => [n, query[n]])),
    JSON.stringify(route.vary.map((h) => request.headers[h.toLowerCase()] ?? null)),
    route.key === undefined ? '' : route.key(request)
  ]
  return `http:${route.url}:${hash(parts.join('\n'))}`
}

/** Why a request must not be answered from or stored in the cache, or null. */
function bypassed (request: FastifyRequest, route: RouteParams): boolean {
  const h = request.headers
  if (h.authorization !== undefined && !route.allowAuthorization) return true
  if (h.cookie !== undefined && !route.allowCookies) return true
  if ((h['content-length'] !== undefined && h['content-length'] !== '0') || h['transfer-encoding'] !== undefined) return true
  return OVERRIDES.some((name) => h[name] !== undefined)
}

function weakMatch (header: string | undefined, etag: string | undefined): boolean {
  if (header === undefined || etag === undefined) return false
  if (header.trim() === '*') return true
  const bare = etag.replace(/^W\//, '')
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === bare)
}

function cacheControl (route: RouteParams, ttlMs: number): string {
  let value = `public, max-age=${seconds(route.browserTtlMs)}, s-maxage=${seconds(ttlMs === route.ttlMs ? route.cdnTtlMs : ttlMs)}`
  if (route.staleWhileRevalidateMs > 0) value += `, stale-while-revalidate=${seconds(route.staleWhileRevalidateMs)}`
  if (route.staleIfErrorMs > 0) value += `, stale-if-error=${seconds(route.staleIfErrorMs)}`
  return value
}

function storable (reply: FastifyReply, payload: unknown): Buffer | null {
  if (!STORABLE.has(reply.statusCode)) return null
  if (reply.getHeader('set-cookie') !== undefined || reply.getHeader('content-encoding') !== undefined) return null
  const vary = String(reply.getHeader('vary') ?? '')
  if (vary.split(',').some((v) => v.trim() === '*')) return null
  const cc = String(reply.getHeader('cache-control') ?? '').toLowerCase()
  if (/(^|[\s,])(private|no-store|no-cache)\b/.test(cc)) return null
  if (payload === null || payload === undefined) return Buffer.alloc(0)
  if (typeof payload === 'string') return Buffer.from(payload)
  return Buffer.isBuffer(payload) ? payload : null // a stream is never stored
}

/**
 * Route caching: an `onRoute` hook that adds a lookup (`onRequest`) and a store (`onSend`) to
 * every route with `config.cache`, and an app-wide `onSend` that invalidates a path after a
 * successful unsafe method (RFC 9111 §4.4).
 */
export function routeCaching (fastify: FastifyInstance, cache: HighloadCache, params: CacheParams): void {
  const name = params.http.cacheStatusName
  const surrogate = params.http.surrogateKeyHeader ?? null
  const collapseWaitMs = params.http.collapseWaitMs
  const maxBytes = params.l2.maxValueBytes
  const pending = new Map<string, Promise<Stored | undefined>>()
  let cachedRoutes = 0

  fastify.decorateRequest('highloadCacheState', null)
  fastify.decorateReply('cacheTags', function (this: FastifyReply, ...tags: string[]) {
    const state = (this.request as unknown as { highloadCacheState: State | null }).highloadCacheState
    if (state !== null) state.tags.push(...tags)
    return this
  })

  fastify.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config as { cache?: unknown } | undefined)?.cache
    if (config === undefined || config === false) return
    const methods = Array.isArray(route.method) ? route.method : [route.method]
    if (!methods.includes('GET') && !methods.includes('HEAD')) return
    const o = parseRoute(config === true ? {} : config, 'config.cache')
    const ttlMs = o.ttlMs ?? params.ttlMs
    const rp: RouteParams = {
      url: route.url,
      ttlMs,
      negativeTtlMs: params.negativeTtlMs,
      browserTtlMs: o.browserTtlMs,
      cdnTtlMs: o.cdnTtlMs ?? ttlMs,
      staleWhileRevalidateMs: o.staleWhileRevalidateMs ?? params.staleWhileRevalidateMs,
      staleIfErrorMs: o.staleIfErrorMs ?? params.staleIfErrorMs,
      tags: o.tags as RouteParams['tags'],
      query: o.query as RouteParams['query'],
      vary: o.vary,
      key: o.key,
      allowAuthorization: o.allowAuthorization,
      allowCookies: o.allowCookies
    }
    cachedRoutes++
    route.onRequest = appendHook(route.onRequest, async function lookup (request: FastifyRequest, reply: FastifyReply) {
      // Answered from the cache: returning the reply tells Fastify the handler must not run.
      if (await onRequest(request, reply, rp)) return reply
    } as never)
    route.onSend = appendHook(route.onSend, async function store (request: FastifyRequest, reply: FastifyReply, payload: unknown) {
      return await onSend(request, reply, payload)
    } as never)
  })

  /** Looks the request up; true when it was answered from the cache. */
  async function onRequest (request: FastifyRequest, reply: FastifyReply, route: RouteParams): Promise<boolean> {
    if (request.method !== 'GET' && request.method !== 'HEAD') return false
    if (bypassed(request, route)) {
      reply.header('cache-status', `${name}; fwd=bypass`)
      return false
    }
    const key = keyOf(request, route)
    const state: State = { route, key, served: false, stale: null, staleUntil: 0, tags: [], forward: 'uri-miss', resolve: null }
    ;(request as unknown as { highloadCacheState: State }).highloadCacheState = state
    const found = await cache.entryOf(key)
    const now = Date.now()
    if (found !== undefined) {
      const stored = found.entry.value as Stored
      const fresh = found.entry.fresh > now
      if (fresh || (found.entry.swr > now && pending.has(key))) {
        serve(request, reply, state, stored, `${name}; hit; ttl=${seconds(found.entry.fresh - now)}${found.tier === 'l2' ? '; detail=l2' : ''}`)
        return true
      }
      state.forward = 'stale'
      if (found.entry.sie > now) {
        state.stale = stored
        state.staleUntil = found.entry.sie
      }
      if (found.entry.swr > now) {
        // This request refreshes the entry; the ones arriving meanwhile get the stale response.
        begin(state)
        return false
      }
    }
    const running = pending.get(key)
    if (running !== undefined && request.method === 'GET') {
      if (collapsedChannel.hasSubscribers) collapsedChannel.publish({ name: cache.name, key })
      const collapsed = await waitFor(running)
      if (collapsed !== undefined) {
        serve(request, reply, state, collapsed, `${name}; fwd=uri-miss; collapsed`)
        return true
      }
    }
    if (request.method === 'GET') begin(state)
    else state.served = true // a HEAD miss runs the handler but is not stored (no body to keep)
    return false
  }

  function begin (state: State): void {
    if (pending.has(state.key)) return
    pending.set(state.key, new Promise((resolve) => { state.resolve = resolve }))
  }

  function finish (state: State, stored: Stored | undefined): void {
    if (state.resolve === null) return
    pending.delete(state.key)
    state.resolve(stored)
    state.resolve = null
  }

  async function waitFor (running: Promise<Stored | undefined>): Promise<Stored | undefined> {
    let timer: NodeJS.Timeout | undefined
    // Not unref'd: a request is waiting on it.
    const timeout = new Promise<undefined>((resolve) => { timer = setTimeout(() => resolve(undefined), collapseWaitMs) })
    try {
      return await Promise.race([running, timeout])
    } finally {
      clearTimeout(timer)
    }
  }

  function serve (request: FastifyRequest, reply: FastifyReply, state: State, stored: Stored, status: string): void {
    state.served = true
    reply.headers(stored.h)
    reply.header('age', String(Math.max(0, seconds(Date.now() - stored.c))))
    reply.header('cache-status', status)
    if (weakMatch(request.headers['if-none-match'], stored.h.etag)) {
      reply.code(304)
      reply.send()
      return
    }
    reply.code(stored.s)
    reply.send(Buffer.from(stored.b, 'base64'))
  }

  async function onSend (request: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown> {
    const state = (request as unknown as { highloadCacheState: State | null }).highloadCacheState
    if (state === null || state.served) return payload
    const route = state.route
    if (reply.statusCode >= 500 && state.stale !== null && state.staleUntil > Date.now()) {
      const stale = state.stale
      finish(state, undefined)
      reply.removeHeader('content-length')
      reply.headers(stale.h)
      reply.header('age', String(Math.max(0, seconds(Date.now() - stale.c))))
      reply.header('cache-status', `${name}; fwd=${state.forward}; fwd-status=${reply.statusCode}`)
      reply.code(stale.s)
      return Buffer.from(stale.b, 'base64')
    }
    const body = storable(reply, payload)
    if (body === null || body.length > maxBytes) {
      finish(state, undefined)
      reply.header('cache-status', `${name}; fwd=${state.forward}`)
      return payload
    }
    const negative = NEGATIVE.has(reply.statusCode)
    const ttlMs = negative ? route.negativeTtlMs : route.ttlMs
    if (reply.getHeader('cache-control') === undefined) reply.header('cache-control', cacheControl(route, ttlMs))
    if (!negative && reply.getHeader('cdn-cache-control') === undefined) reply.header('cdn-cache-control', `max-age=${seconds(route.cdnTtlMs)}`)
    if (reply.getHeader('etag') === undefined) reply.header('etag', `W/"${hash(body.toString('latin1'))}"`)
    if (route.vary.length > 0) {
      const existing = reply.getHeader('vary')
      reply.header('vary', [existing, ...route.vary].filter((v) => v !== undefined && v !== '').join(', '))
    }
    const routeTags = typeof route.tags === 'function' ? route.tags(request) : route.tags
    const tags = [...new Set([...routeTags, ...state.tags, pathTag(request.url)])]
    const visible = tags.slice(0, -1)
    if (surrogate !== null && visible.length > 0) reply.header(surrogate, visible.join(' '))
    const h: Record<string, string> = {}
    for (const [header, value] of Object.entries(reply.getHeaders())) {
      if (SAFE.has(header) || header === surrogate?.toLowerCase()) h[header] = Array.isArray(value) ? value.join(', ') : String(value)
    }
    const stored: Stored = { s: reply.statusCode, h, b: body.toString('base64'), c: Date.now() }
    if (ttlMs <= 0) {
      finish(state, undefined)
      reply.header('cache-status', `${name}; fwd=${state.forward}`)
      return payload
    }
    try {
      await cache.storeEntry(state.key, stored, { ttlMs, staleWhileRevalidateMs: route.staleWhileRevalidateMs, staleIfErrorMs: route.staleIfErrorMs, tags })
      reply.header('cache-status', `${name}; fwd=${state.forward}; stored`)
      finish(state, stored)
    } catch (err) {
      request.log.warn({ err }, 'cache could not store the response')
      reply.header('cache-status', `${name}; fwd=${state.forward}`)
      finish(state, undefined)
    }
    return payload
  }

  // A request that ends without onSend (aborted, or an error before it) must not leave waiters hanging.
  fastify.addHook('onResponse', async (request) => {
    const state = (request as unknown as { highloadCacheState: State | null }).highloadCacheState
    if (state !== null) finish(state, undefined)
  })
  fastify.addHook('onRequestAbort', async (request) => {
    const state = (request as unknown as { highloadCacheState: State | null }).highloadCacheState
    if (state !== null) finish(state, undefined)
  })

  // RFC 9111 §4.4: a non-error response to an unsafe method invalidates the target URI.
  fastify.addHook('onSend', async (request, reply, payload) => {
    if (cachedRoutes === 0 || !UNSAFE.has(request.method) || reply.statusCode >= 400) return payload
    try {
      await cache.invalidateTags([pathTag(request.url)])
    } catch (err) {
      request.log.warn({ err }, 'cache could not invalidate the path after an unsafe method')
    }
    return payload
  })
}

import { Readable } from 'node:stream'
import t from 'tap'
import { deferred, startRedis, waitUntil } from '@highload/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import cache, { codes, type FastifyHighloadCacheOptions } from '../src/index.js'
import { connected, prefix } from './helpers.js'

async function app (t: Tap, options: FastifyHighloadCacheOptions, routes: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const a = Fastify()
  t.teardown(() => a.close())
  await a.register(cache, { jitter: 0, earlyRefreshBeta: 0, ...options })
  routes(a)
  await a.ready()
  return a
}
interface Tap { teardown: (fn: () => unknown) => void }

t.test('a cached route: miss then hit, RFC 9111/9211 headers, HEAD from the GET entry, 304 without the handler', async (t) => {
  let calls = 0
  const a = await app(t, {}, (a) => {
    a.get('/p/:id', { config: { cache: { ttlMs: 30_000, staleWhileRevalidateMs: 10_000, staleIfErrorMs: 60_000 } } }, async (req, reply) => {
      calls++
      reply.type('application/json')
      return { id: (req.params as { id: string }).id }
    })
  })
  const first = await a.inject('/p/1')
  t.equal(first.statusCode, 200)
  t.equal(first.headers['cache-status'], 'highload; fwd=uri-miss; stored')
  t.equal(first.headers['cache-control'], 'public, max-age=0, s-maxage=30, stale-while-revalidate=10, stale-if-error=60')
  t.equal(first.headers['cdn-cache-control'], 'max-age=30')
  t.match(first.headers.etag, /^W\/"[\w-]+"$/)
  const second = await a.inject('/p/1')
  t.equal(second.body, first.body)
  t.equal(second.headers['content-type'], first.headers['content-type'])
  t.equal(second.headers.etag, first.headers.etag)
  t.match(second.headers['cache-status'], /^highload; hit; ttl=(29|30)$/)
  t.equal(second.headers.age, '0')
  t.equal(calls, 1)
  const head = await a.inject({ method: 'HEAD', url: '/p/1' })
  t.equal(head.statusCode, 200)
  t.equal(head.body, '')
  t.match(head.headers['cache-status'], /hit/)
  const notModified = await a.inject({ url: '/p/1', headers: { 'if-none-match': `"x", ${first.headers.etag as string}` } })
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '')
  t.equal(notModified.headers.etag, first.headers.etag)
  t.equal(notModified.headers['cache-control'], first.headers['cache-control'])
  t.equal((await a.inject({ url: '/p/1', headers: { 'if-none-match': '*' } })).statusCode, 304)
  t.equal((await a.inject({ url: '/p/1', headers: { 'if-none-match': '"other"' } })).statusCode, 200)
  t.equal(calls, 1, 'the handler never ran again')
  const headMiss = await a.inject({ method: 'HEAD', url: '/p/2' })
  t.equal(headMiss.statusCode, 200)
  t.equal(calls, 2)
  t.equal((await a.inject('/p/2')).headers['cache-status'], 'highload; fwd=uri-miss; stored', 'a HEAD miss stores nothing')
})

t.test('the key: params, parsed and sorted query (or an allowlist), vary headers, key(request)', async (t) => {
  let calls = 0
  const a = await app(t, {}, (a) => {
    const handler = async (): Promise<string> => `call ${++calls}`
    a.get('/all', { config: { cache: true } }, handler)
    a.get('/some', { config: { cache: { query: ['a'] } } }, handler)
    a.get('/vary', { config: { cache: { vary: ['Accept-Language'] } } }, async (_req, reply) => { reply.header('vary', 'Origin'); return await handler() })
    a.get('/tenant', { config: { cache: { key: (req) => String(req.headers['x-tenant']) } } }, handler)
  })
  t.equal((await a.inject('/all?a=1&b=2')).body, 'call 1')
  t.equal((await a.inject('/all?b=2&a=1')).body, 'call 1', 'order does not matter')
  t.equal((await a.inject('/all?a=1&b=3')).body, 'call 2')
  t.equal((await a.inject('/some?a=1&b=2')).body, 'call 3')
  t.equal((await a.inject('/some?a=1&b=9&c=0')).body, 'call 3', 'unlisted parameters are ignored')
  const en = await a.inject({ url: '/vary', headers: { 'accept-language': 'en' } })
  t.equal(en.headers.vary, 'Origin, Accept-Language')
  t.equal((await a.inject({ url: '/vary', headers: { 'accept-language': 'fr' } })).body, 'call 5')
  t.equal((await a.inject({ url: '/vary', headers: { 'accept-language': 'en' } })).body, 'call 4')
  t.equal((await a.inject({ url: '/tenant', headers: { 'x-tenant': 'a' } })).body, 'call 6')
  t.equal((await a.inject({ url: '/tenant', headers: { 'x-tenant': 'b' } })).body, 'call 7')
  t.equal((await a.inject({ url: '/tenant', headers: { 'x-tenant': 'a' } })).body, 'call 6')
  t.equal((await a.inject('/vary')).body, 'call 8', 'no header is a value of its own')
  t.equal((await a.inject('/vary')).body, 'call 8')
})

t.test('bodies: empty (204), Buffers, multi-valued headers; a route with several methods caches its GETs', async (t) => {
  let calls = 0
  const a = await app(t, {}, (a) => {
    a.get('/empty', { config: { cache: true } }, async (_req, reply) => { calls++; reply.code(204); return reply.send() })
    a.get('/buffer', { config: { cache: true } }, async (_req, reply) => { calls++; reply.header('link', ['<a>; rel=x', '<b>; rel=y']).type('application/octet-stream'); return Buffer.from([1, 2, 3]) })
    a.route({ method: ['GET', 'POST'], url: '/both', config: { cache: true }, handler: async () => `call ${++calls}` })
  })
  t.equal((await a.inject('/empty')).statusCode, 204)
  const empty = await a.inject('/empty')
  t.equal(empty.statusCode, 204)
  t.match(empty.headers['cache-status'], /hit/)
  await a.inject('/buffer')
  const buffer = await a.inject('/buffer')
  t.same([...buffer.rawPayload], [1, 2, 3])
  t.equal(buffer.headers.link, '<a>; rel=x, <b>; rel=y')
  t.equal(calls, 2)
  const get = await a.inject('/both')
  t.equal((await a.inject('/both')).body, get.body)
  t.not((await a.inject({ method: 'POST', url: '/both' })).body, get.body)
})

t.test('never stored: Set-Cookie, Vary: *, private, no-store, no-cache, 5xx, streams, encoded or too big bodies, ttlMs 0', async (t) => {
  let calls = 0
  const a = await app(t, { l2: { maxValueBytes: 100 } }, (a) => {
    const cached = { config: { cache: true } }
    a.get('/cookie', cached, async (_req, reply) => { calls++; reply.header('set-cookie', 'a=1'); return 'x' })
    a.get('/vary-star', cached, async (_req, reply) => { calls++; reply.header('vary', '*'); return 'x' })
    a.get('/private', cached, async (_req, reply) => { calls++; reply.header('cache-control', 'private, max-age=60'); return 'x' })
    a.get('/no-store', cached, async (_req, reply) => { calls++; reply.header('cache-control', 'no-store'); return 'x' })
    a.get('/no-cache', cached, async (_req, reply) => { calls++; reply.header('cache-control', 'no-cache'); return 'x' })
    a.get('/error', cached, async () => { calls++; throw new Error('boom') })
    a.get('/stream', cached, async () => { calls++; return Readable.from(['a', 'b']) })
    a.get('/encoded', cached, async (_req, reply) => { calls++; reply.header('content-encoding', 'gzip'); return 'x' })
    a.get('/big', cached, async () => { calls++; return 'x'.repeat(200) })
    a.get('/zero', { config: { cache: { ttlMs: 0 } } }, async () => { calls++; return 'x' })
    a.get('/created', cached, async (_req, reply) => { calls++; reply.code(201); return 'x' })
  })
  for (const url of ['/cookie', '/vary-star', '/private', '/no-store', '/no-cache', '/error', '/stream', '/encoded', '/big', '/zero', '/created']) {
    const before = calls
    const first = await a.inject(url)
    await a.inject(url)
    t.equal(calls, before + 2, `${url} runs the handler every time`)
    t.equal(first.headers['cache-status'], 'highload; fwd=uri-miss', url)
  }
  t.equal((await a.inject('/private')).headers['cache-control'], 'private, max-age=60', 'the handler\'s Cache-Control is kept')
})

t.test('bypass: Authorization and Cookie (unless allowed), a GET with a body, a method override', async (t) => {
  let calls = 0
  const a = await app(t, {}, (a) => {
    a.get('/r', { config: { cache: true } }, async () => `call ${++calls}`)
    a.get('/auth', { config: { cache: { allowAuthorization: true, vary: ['authorization'] } } }, async () => `call ${++calls}`)
    a.get('/public', { config: { cache: { allowCookies: true } } }, async () => `call ${++calls}`)
  })
  await a.inject('/r')
  for (const headers of [{ authorization: 'Bearer x' }, { cookie: 'session=alice' }, { 'x-http-method-override': 'DELETE' }, { 'content-length': '2', 'content-type': 'text/plain' }]) {
    const res = await a.inject({ url: '/r', headers, ...(headers['content-length'] === undefined ? {} : { payload: 'hi' }) })
    t.equal(res.headers['cache-status'], 'highload; fwd=bypass')
    t.not(res.body, 'call 1')
  }
  const one = await a.inject({ url: '/auth', headers: { authorization: 'Bearer 1' } })
  t.equal((await a.inject({ url: '/auth', headers: { authorization: 'Bearer 1' } })).body, one.body)
  t.not((await a.inject({ url: '/auth', headers: { authorization: 'Bearer 2' } })).body, one.body)
  // A session cookie never gets another user's cached response; a route that allows cookies is cached.
  const alice = await a.inject({ url: '/r', headers: { cookie: 'session=alice' } })
  t.not((await a.inject({ url: '/r', headers: { cookie: 'session=bob' } })).body, alice.body, 'bob does not get alice\'s response')
  const first = await a.inject({ url: '/public', headers: { cookie: '_ga=1' } })
  t.equal((await a.inject({ url: '/public', headers: { cookie: '_ga=2' } })).body, first.body, 'allowCookies: cached whatever the cookie')
})

t.test('tags: route tags, a tags function, reply.cacheTags; surrogate keys; invalidateTags and onInvalidate', async (t) => {
  const purged: Array<readonly string[]> = []
  let calls = 0
  const a = await app(t, { http: { surrogateKeyHeader: 'Surrogate-Key', onInvalidate: (tags) => { purged.push(tags) } } }, (a) => {
    a.get('/p/:id', { config: { cache: { tags: (req) => [`p:${(req.params as { id: string }).id}`] } } }, async (_req, reply) => {
      reply.cacheTags('catalog', 'x')
      return `call ${++calls}`
    })
    a.get('/static', { config: { cache: { tags: ['static'] } } }, async () => `call ${++calls}`)
    a.get('/plain', async (_req, reply) => { reply.cacheTags('ignored'); return 'plain' })
  })
  const res = await a.inject('/p/1')
  t.equal(res.headers['surrogate-key'], 'p:1 catalog x')
  t.equal((await a.inject('/p/1')).headers['surrogate-key'], 'p:1 catalog x', 'replayed on hits')
  await a.inject('/static')
  await a.cache.invalidateTags(['p:1'])
  t.equal((await a.inject('/p/1')).body, 'call 3')
  t.equal((await a.inject('/static')).body, 'call 2')
  await a.cache.invalidateTags(['catalog'])
  t.equal((await a.inject('/p/1')).body, 'call 4')
  t.same(purged, [['p:1'], ['catalog']])
  t.equal((await a.inject('/plain')).body, 'plain')
})

t.test('a 2xx/3xx to an unsafe method invalidates its path (RFC 9111 §4.4); errors do not', async (t) => {
  let calls = 0
  const a = await app(t, {}, (a) => {
    a.get('/p/:id', { config: { cache: true } }, async () => `call ${++calls}`)
    a.post('/p/:id', async (req, reply) => { if ((req.query as { fail?: string }).fail !== undefined) reply.code(409); return 'ok' })
    a.put('/p/:id', async () => 'ok')
  })
  await a.inject('/p/1?x=1')
  await a.inject('/p/2')
  t.equal((await a.inject({ method: 'POST', url: '/p/1?fail=1' })).statusCode, 409)
  t.equal((await a.inject('/p/1?x=1')).body, 'call 1', 'a 409 invalidates nothing')
  await a.inject({ method: 'POST', url: '/p/1' })
  t.equal((await a.inject('/p/1?x=1')).body, 'call 3', 'every query of the path is gone')
  t.equal((await a.inject('/p/2')).body, 'call 2', 'other paths stay')
  const bare = await app(t, {}, (a) => { a.post('/x', async () => 'ok') })
  t.equal((await bare.inject({ method: 'POST', url: '/x' })).statusCode, 200, 'no cached route: nothing to invalidate')
})

t.test('concurrent misses run the handler once; the others are collapsed', async (t) => {
  const gate = deferred()
  let calls = 0
  const a = await app(t, {}, (a) => {
    a.get('/slow', { config: { cache: true } }, async () => { calls++; await gate.promise; return 'done' })
    a.get('/fails', { config: { cache: true } }, async () => { calls++; await gate.promise; throw new Error('x') })
  })
  const { listen } = await import('./helpers.js')
  const collapsed = listen<{ name: string, key: string }>(t, 'collapsed')
  const all = Promise.all([a.inject('/slow'), a.inject('/slow'), a.inject('/slow'), a.inject('/fails'), a.inject('/fails')])
  await waitUntil(() => calls === 2, 'the two handlers start')
  gate.resolve()
  const [r1, r2, r3, f1, f2] = await all
  t.equal(calls, 3, 'one handler for /slow; /fails stored nothing, so its waiter ran it too')
  t.same([r1?.body, r2?.body, r3?.body], ['done', 'done', 'done'])
  t.same([r2?.headers['cache-status'], r3?.headers['cache-status']], ['highload; fwd=uri-miss; collapsed', 'highload; fwd=uri-miss; collapsed'])
  t.same([f1?.statusCode, f2?.statusCode], [500, 500])
  t.equal(collapsed.length, 3, 'a collapsed event per waiting request')
  t.match(collapsed[0], { name: 'default', key: /^http:\/slow:/ })
})

t.test('a waiter gives up after collapseWaitMs and runs the handler itself', async (t) => {
  const gate = deferred()
  let calls = 0
  const a = await app(t, { http: { collapseWaitMs: 20 } }, (a) => {
    a.get('/slow', { config: { cache: true } }, async () => { const n = ++calls; if (n === 1) await gate.promise; return `call ${n}` })
  })
  const first = a.inject('/slow')
  await waitUntil(() => calls === 1, 'the first handler runs')
  t.equal((await a.inject('/slow')).body, 'call 2')
  gate.resolve()
  t.equal((await first).body, 'call 1')
})

t.test('stale-while-revalidate: one request refreshes, the others get stale at once; stale-if-error replaces a 5xx', async (t) => {
  let calls = 0
  let fail = false
  let gate = deferred()
  const a = await app(t, {}, (a) => {
    a.get('/swr', { config: { cache: { ttlMs: 1, staleWhileRevalidateMs: 60_000 } } }, async () => { calls++; if (calls > 1) await gate.promise; return `v${calls}` })
    a.get('/sie', { config: { cache: { ttlMs: 1, staleIfErrorMs: 60_000 } } }, async (_req, reply) => {
      if (fail) { reply.code(503); return 'down' }
      return 'good'
    })
  })
  await a.inject('/swr')
  const start = Date.now()
  await waitUntil(() => Date.now() > start + 5, 'the entry is stale')
  const refresher = a.inject('/swr')
  await waitUntil(() => calls === 2, 'the refresh runs')
  const stale = await a.inject('/swr')
  t.equal(stale.body, 'v1')
  t.match(stale.headers['cache-status'], /^highload; hit; ttl=-\d+$/)
  gate.resolve()
  const refreshed = await refresher
  t.equal(refreshed.body, 'v2')
  t.equal(refreshed.headers['cache-status'], 'highload; fwd=stale; stored')
  gate = deferred()
  gate.resolve()

  await a.inject('/sie')
  const stored = Date.now()
  await waitUntil(() => Date.now() > stored + 5, 'the entry is stale')
  fail = true
  const res = await a.inject('/sie')
  t.equal(res.statusCode, 200)
  t.equal(res.body, 'good')
  t.equal(res.headers['cache-status'], 'highload; fwd=stale; fwd-status=503')
  fail = false
  t.equal((await a.inject('/sie')).headers['cache-status'], 'highload; fwd=stale; stored')
})

t.test('404 and 410 are negative entries (negativeTtlMs); route options are validated', async (t) => {
  let calls = 0
  const a = await app(t, { negativeTtlMs: 5000 }, (a) => {
    a.get('/missing', { config: { cache: true } }, async (_req, reply) => { calls++; reply.code(404); return 'nope' })
    a.get('/off', { config: { cache: false } }, async () => 'off')
    a.post('/post', { config: { cache: true } }, async () => 'post')
  })
  await a.inject('/missing')
  const hit = await a.inject('/missing')
  t.equal(hit.statusCode, 404)
  t.equal(calls, 1)
  t.equal(hit.headers['cache-control'], 'public, max-age=0, s-maxage=5')
  t.equal((await a.inject('/off')).headers['cache-status'], undefined)
  t.equal((await a.inject({ method: 'POST', url: '/post' })).headers['cache-status'], undefined)
  const bad = Fastify()
  t.teardown(() => bad.close())
  await bad.register(cache)
  t.throws(() => bad.get('/x', { config: { cache: { ttlMs: -1 } } }, async () => 'x'), { code: codes.INVALID_OPTION, message: /option config.cache.ttlMs: got -1/ })
  t.throws(() => bad.get('/y', { config: { cache: { tags: [1] as never } } }, async () => 'x'), { code: codes.INVALID_OPTION })
})

t.test('with Redis: another instance answers from L2; an unsafe method on one instance invalidates the others; Redis down is never a 5xx', async (t) => {
  const redis = await startRedis({ reuseExternal: false })
  t.teardown(() => redis.close())
  const p = prefix()
  let calls = 0
  const routes = (a: FastifyInstance): void => {
    a.get('/p/:id', { config: { cache: true } }, async () => `call ${++calls}`)
    a.delete('/p/:id', async () => 'deleted')
  }
  const a = await app(t, { redis: redis.url, prefix: p }, routes)
  const b = await app(t, { redis: redis.url, prefix: p }, routes)
  await Promise.all([connected(a), connected(b)])
  const first = await a.inject('/p/1')
  const fromL2 = await b.inject('/p/1')
  t.equal(fromL2.body, first.body)
  t.match(fromL2.headers['cache-status'], /^highload; hit; ttl=\d+; detail=l2$/)
  const notModified = await b.inject({ url: '/p/2', headers: { 'if-none-match': 'W/"x"' } })
  t.equal(notModified.statusCode, 200)
  const third = await a.inject('/p/3')
  const fromAsyncStore = await b.inject({ url: '/p/3', headers: { 'if-none-match': third.headers.etag as string } })
  t.match(fromAsyncStore.headers['cache-status'], /detail=l2/)
  t.equal(fromAsyncStore.statusCode, 304, 'If-None-Match answered from L2 without hanging (fastify-caching#75)')
  await a.inject({ method: 'DELETE', url: '/p/1' })
  await waitUntil(async () => (await b.inject('/p/1')).body !== first.body, 'B sees the invalidation')
  await redis.kill()
  const down = await Promise.all([a.inject('/p/1'), a.inject('/p/9'), a.inject({ method: 'DELETE', url: '/p/9' })])
  t.same(down.map((r) => r.statusCode), [200, 200, 200], 'no 5xx while Redis is down')
})

t.test('a response that cannot be stored (a bad tag) is logged and still sent', async (t) => {
  const a = await app(t, {}, (a) => {
    a.get('/bad-tag', { config: { cache: true } }, async (_req, reply) => { reply.cacheTags(''); return 'sent' })
  })
  const res = await a.inject('/bad-tag')
  t.equal(res.body, 'sent')
  t.equal(res.headers['cache-status'], 'highload; fwd=uri-miss')
})

t.test('a client that aborts does not leave the next request waiting for its response', async (t) => {
  const { request } = await import('node:http')
  const gate = deferred()
  let calls = 0
  let aborted = false
  const a = await app(t, { http: { collapseWaitMs: 600_000 } }, (a) => {
    a.get('/slow', { config: { cache: true } }, async () => { const n = ++calls; if (n === 1) await gate.promise; return `call ${n}` })
    a.addHook('onRequestAbort', async (_request) => { aborted = true })
  })
  await a.listen({ port: 0, host: '127.0.0.1' })
  const address = a.server.address() as { port: number }
  const req = request({ host: '127.0.0.1', port: address.port, path: '/slow' })
  req.on('error', () => {})
  req.end()
  await waitUntil(() => calls === 1, 'the handler runs')
  req.destroy()
  await waitUntil(() => aborted, 'Fastify sees the abort')
  t.equal((await a.inject('/slow')).body, 'call 2', 'not collapsed onto the aborted request')
  gate.resolve()
})

t.test('route lookups publish hit and miss events', async (t) => {
  const { listen } = await import('./helpers.js')
  const a = await app(t, { name: 'web' }, (a) => { a.get('/e', { config: { cache: true } }, async () => 'e') })
  const hits = listen<{ tier: string }>(t, 'hit')
  const misses = listen<{ tier: string }>(t, 'miss')
  await a.inject('/e')
  await a.inject('/e')
  t.match(misses, [{ name: 'web', tier: 'l1' }])
  t.match(hits, [{ name: 'web', tier: 'l1' }])
})

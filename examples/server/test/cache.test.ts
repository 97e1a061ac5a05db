// @highload/cache in the composed app: route caching, conditional requests, invalidation on write,
// and the cache seen from /metrics and /health; then two instances sharing a real Redis.
import t from 'tap'
import { startRedis, waitUntil } from '@highload/testing'
import { app } from './helpers/app.js'

t.test('a cached route: miss then hit, 304 on a matching ETag, a fresh miss after the write', async (t) => {
  const server = await app(t, { RATE_LIMIT_MAX: '1000' })
  const miss = await server.inject('/products/1')
  t.equal(miss.statusCode, 200)
  t.equal(miss.json().name, 'kettle')
  t.match(miss.headers['cache-status'], /^highload; fwd=uri-miss; stored/)

  const hit = await server.inject('/products/1')
  t.equal(hit.statusCode, 200)
  t.match(hit.headers['cache-status'], /^highload; hit/)
  t.ok(hit.headers.age !== undefined, 'a hit says its age')
  const etag = hit.headers.etag
  t.match(etag, /^W\//, 'a weak ETag')

  const notModified = await server.inject({ url: '/products/1', headers: { 'if-none-match': String(etag) } })
  t.equal(notModified.statusCode, 304)
  t.equal(notModified.body, '')

  const put = await server.inject({ method: 'PUT', url: '/products/1', payload: { name: 'copper kettle', priceCents: 4999 } })
  t.equal(put.statusCode, 200)
  const after = await server.inject('/products/1')
  t.match(after.headers['cache-status'], /fwd=uri-miss/, 'the write invalidated the cached response')
  t.equal(after.json().name, 'copper kettle')

  t.equal((await server.inject('/products/999')).statusCode, 404)
  t.equal((await server.inject({ method: 'PUT', url: '/products/1', payload: { name: '' } })).statusCode, 400)

  const metrics = (await server.inject('/metrics')).body
  t.match(metrics, /highload_cache_lookups_total\{cache="default",tier="l1",result="hit"\} [1-9]/)
  t.match(metrics, /http_server_request_duration_seconds_count\{[^}]*http_route="\/products\/:id"[^}]*http_response_status_code="200"[^}]*\} [1-9]/,
    'responses answered from the cache are measured under their route')
  const health = (await server.inject('/health')).json()
  t.ok(health.checks['cache.default:responseTime'] !== undefined, 'the cache reports to /health')
})

t.test('two instances over one Redis: a write on one drops the other\'s copy', async (t) => {
  const redis = await startRedis({ reuseExternal: false })
  t.teardown(() => redis.close())
  const env = { REDIS_URL: redis.url, RATE_LIMIT_MAX: '1000' }
  const a = await app(t, env)
  const b = await app(t, env)
  t.equal((await b.inject('/products/2')).json().name, 'teapot')
  t.match((await b.inject('/products/2')).headers['cache-status'], /^highload; hit/, 'b holds it')
  // Each instance keeps its own catalog; the point is the cache: b must not keep answering the old copy.
  await a.inject({ method: 'PUT', url: '/products/2', payload: { name: 'blue teapot', priceCents: 2499 } })
  await waitUntil(async () => /fwd=/.test(String((await b.inject('/products/2')).headers['cache-status'])), 'b to drop its copy', 5000)
  await waitUntil(async () => (await b.inject('/health')).json().checks['cache.default:responseTime']?.[0]?.status === 'pass',
    'the cache health check to pass against Redis', 10_000)
})

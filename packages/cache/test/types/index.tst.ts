import { expect, test } from 'tstyche'
import Fastify from 'fastify'
import cache, { codes, fastifyHighloadCache, HighloadCache } from '../../src/index.js'
import type { CacheErrorCode, CacheLookupEvent, CacheStatus, FastifyHighloadCacheOptions } from '../../src/index.js'

test('plugin registration, options and the decorator', () => {
  const app = Fastify()
  app.register(cache, { redis: 'redis://127.0.0.1:6379', ttlMs: 1000, lease: true, l2: { breaker: { openMs: 500 } } })
  app.register(fastifyHighloadCache, { redis: false, health: { critical: true }, http: { surrogateKeyHeader: 'Surrogate-Key' } })
  expect(app.register(cache, { ttlMs: '5' })).type.toRaiseError()
  expect(app.register(cache, { lease: 'yes' })).type.toRaiseError()
  expect<FastifyHighloadCacheOptions>().type.toBeAssignableFrom({ codec: { encode: (v: unknown) => JSON.stringify(v), decode: (b: Buffer) => JSON.parse(b.toString()) as unknown } })
  expect(app.cache).type.toBe<HighloadCache>()
  expect(app.cache.getOrSet('k', async () => 1)).type.toBe<Promise<number>>()
  expect(app.cache.getOrSet<number>('k', async ({ signal, stale }) => { expect(stale).type.toBe<number | undefined>(); return signal.aborted ? 1 : 2 })).type.toBe<Promise<number>>()
  expect(app.cache.getOrSet<number>('k', async () => 'x')).type.toRaiseError()
  expect(app.cache.get<string>('k')).type.toBe<Promise<string | undefined>>()
  expect(app.cache.peek<string>('k')).type.toBe<string | undefined>()
  expect(app.cache.status()).type.toBe<CacheStatus>()
  expect(app.cache.invalidateTags(['a'])).type.toBe<Promise<void>>()
  expect(app.cache.getOrSet('k', () => 1, { ttlMs: 'x' })).type.toRaiseError()
})

test('route config and reply.cacheTags', () => {
  const app = Fastify()
  app.get('/p/:id', { config: { cache: { ttlMs: 1000, tags: (req) => [String(req.url)], vary: ['accept-language'] } } }, async (_req, reply) => {
    expect(reply.cacheTags('a', 'b')).type.toBe<typeof reply>()
    return 'x'
  })
  app.get('/q', { config: { cache: true } }, async () => 'q')
  expect(app.get('/r', { config: { cache: { query: 'some' } } }, async () => 'r')).type.toRaiseError()
})

test('codes and events', () => {
  expect(codes.CLOSED).type.toBe<'HL_CACHE_CLOSED'>()
  expect<CacheErrorCode>().type.toBeAssignableFrom('HL_CACHE_INVALID_KEY' as const)
  expect<CacheLookupEvent['tier']>().type.toBe<'l1' | 'l2'>()
})

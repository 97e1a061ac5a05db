import t from 'tap'
import * as api from '../src/index.js'
import fastifyHighloadCache, { codes } from '../src/index.js'

t.test('default export and named export are the same plugin, with fastify-plugin metadata', async (t) => {
  t.equal(fastifyHighloadCache, api.fastifyHighloadCache)
  const meta = (fastifyHighloadCache as unknown as Record<symbol, { fastify: string, name: string }>)[Symbol.for('plugin-meta')]
  t.same(meta, { fastify: '5.x', name: '@highload/cache' })
  t.equal((fastifyHighloadCache as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')], true)
})

t.test('codes: every code has an exported error class named after it, carrying that code', async (t) => {
  t.ok(Object.isFrozen(codes))
  const args: Record<string, unknown[]> = { INVALID_OPTION: ['a', 'b', 'c'], INVALID_KEY: ['key', 'x'], LOADER_TIMEOUT: [1], UNAVAILABLE: ['x'], UNSERIALIZABLE: ['k'], VALUE_TOO_LARGE: [2, 1], CLOSED: [] }
  for (const [short, code] of Object.entries(codes)) {
    t.equal(code, `HL_CACHE_${short}`)
    const name = 'Cache' + short.toLowerCase().replace(/(^|_)([a-z])/g, (_, _u: string, c: string) => c.toUpperCase()) + 'Error'
    const ErrorClass = (api as unknown as Record<string, new (...a: unknown[]) => Error & { code: string }>)[name] as new (...a: unknown[]) => Error & { code: string }
    t.type(ErrorClass, 'function', `${name} is exported`)
    const err = new ErrorClass(...(args[short] ?? []))
    t.equal(err.code, code, name)
  }
  t.equal(new api.CacheLoaderTimeoutError(5).statusCode, 504)
  t.equal(new api.CacheUnavailableError('x').statusCode, 503)
  t.ok(new api.CacheInvalidOptionError('a', 'b', 'c') instanceof TypeError)
})

import tap from 'tap'
import * as api from '../src/index.js'
import metrics, { codes, fastifyHighloadMetrics } from '../src/index.js'

tap.test('default export and the named fastifyHighloadMetrics are the same plugin', async (t) => {
  t.equal(metrics, fastifyHighloadMetrics)
  t.equal(typeof metrics, 'function')
})

tap.test('fastify-plugin metadata', async (t) => {
  const meta = (metrics as unknown as Record<symbol, { name?: string, fastify?: string }>)[Symbol.for('plugin-meta')]
  t.equal(meta?.name, '@highload/metrics')
  t.equal(meta?.fastify, '5.x')
})

tap.test('codes: frozen, each HL_METRICS_<key>, each with its error class exported', async (t) => {
  t.ok(Object.isFrozen(codes))
  t.same(Object.keys(codes), ['INVALID_OPTION', 'INVALID_TARGET', 'INVALID_THRESHOLD', 'DUPLICATE_SLO', 'UNKNOWN_SLO', 'ENDPOINT_CONFLICT'])
  const exported = api as unknown as Record<string, unknown>
  for (const [key, code] of Object.entries(codes)) {
    t.equal(code, `HL_METRICS_${key}`)
    // INVALID_TARGET -> MetricsInvalidTargetError
    const name = `Metrics${key.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase())}Error`
    const ErrorClass = exported[name] as (new (...args: string[]) => Error & { code: string, statusCode: number }) | undefined
    t.equal(typeof ErrorClass, 'function', `${name} is exported`)
    if (ErrorClass === undefined) continue
    const err = new ErrorClass('a', 'b', 'c')
    t.equal(err.code, code, `${name} carries ${code}`)
    t.ok(err instanceof TypeError, `${name} is a TypeError`)
    t.equal(err.statusCode, 500)
  }
})

import t from 'tap'
import * as mod from '../src/index.js'
import fastifyHighloadReplicasDefault, { codes, fastifyHighloadReplicas } from '../src/index.js'

t.test('default and named export are the same plugin, with fastify-plugin metadata', async (t) => {
  t.equal(fastifyHighloadReplicasDefault, fastifyHighloadReplicas)
  const meta = (fastifyHighloadReplicas as unknown as Record<symbol, { fastify: string, name: string }>)[Symbol.for('plugin-meta')]
  t.same(meta, { fastify: '5.x', name: '@highload/replicas' })
  t.equal((fastifyHighloadReplicas as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')], true)
})

t.test('codes: each code has an exported error class carrying it', async (t) => {
  t.ok(Object.isFrozen(codes))
  const classes = Object.entries(mod).filter(([name]) => /^Replicas\w+Error$/.test(name))
  t.equal(classes.length, Object.keys(codes).length, 'one class per code')
  for (const [key, code] of Object.entries(codes)) {
    t.equal(code, `HL_REPLICAS_${key}`)
    const className = 'Replicas' + key.toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase()) + 'Error'
    const ErrorClass = (mod as unknown as Record<string, new (...args: unknown[]) => Error & { code: string, statusCode: number }>)[className]
    t.ok(ErrorClass, className)
    const err = new ErrorClass!('a', 'b', 'c')
    t.equal(err.code, code)
    t.ok(err instanceof Error)
  }
  t.equal(new mod.ReplicasPrimaryUnavailableError().statusCode, 503)
  t.equal(new mod.ReplicasUnavailableError('x').statusCode, 503)
  t.equal(new mod.ReplicasInvalidTokenError('x-pg-lsn').statusCode, 400)
  t.equal(new mod.ReplicasClosedError().statusCode, 503)
  t.ok(new mod.ReplicasInvalidOptionError('a', 'b', 'c') instanceof TypeError)
  t.ok(new mod.ReplicasInvalidQueryError('x') instanceof TypeError)
  t.ok(new mod.ReplicasNotAReadError('x') instanceof TypeError)
  t.equal(typeof mod.HighloadDb, 'function')
})

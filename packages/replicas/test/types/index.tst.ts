import { expect, test } from 'tstyche'
import Fastify from 'fastify'
import type { QueryResult, QueryResultRow } from 'pg'
import replicas, { codes, fastifyHighloadReplicas, HighloadDb } from '../../src/index.js'
import type { NodeStatus, RouteExplanation, Tx } from '../../src/index.js'

test('registration, decorators and route config', () => {
  const app = Fastify()
  app.register(replicas, { primary: { connectionString: 'postgres://x' }, replicas: [{ name: 'r1', connectionString: 'postgres://y', weight: 2 }] })
  app.register(fastifyHighloadReplicas, { primary: {}, defaultTarget: 'auto', lag: { maxLagMs: 1000 }, health: { critical: true } })
  expect(app.register(replicas, {})).type.toRaiseError()
  expect(app.register(replicas, { primary: {}, defaultTarget: 'replica' })).type.toRaiseError()
  expect(app.register(replicas, { primary: {}, replicas: [{ weight: 1 }] })).type.toRaiseError()
  expect(app.db).type.toBe<HighloadDb>()
  expect(app.db.query<{ id: number }>('SELECT 1')).type.toBe<Promise<QueryResult<{ id: number }>>>()
  expect(app.db.read('SELECT 1', [], { consistency: 'eventual', after: '0/1' })).type.toBe<Promise<QueryResult<QueryResultRow>>>()
  expect(app.db.read('SELECT 1', [], { consistency: 'causal' })).type.toRaiseError()
  expect(app.db.query('SELECT 1', [], { target: 'replica' })).type.toBe<Promise<QueryResult<QueryResultRow>>>()
  expect(app.db.query('SELECT 1', [], { target: 'nowhere' })).type.toRaiseError()
  expect(app.db.transaction(async (tx) => { expect(tx).type.toBe<Tx>(); return 1 }, { isolation: 'serializable' })).type.toBe<Promise<number>>()
  expect(app.db.readTransaction(async () => 'x')).type.toBe<Promise<string>>()
  expect(app.db.lsn()).type.toBe<Promise<string>>()
  expect(app.db.explainRoute('SELECT 1')).type.toBe<RouteExplanation>()
  expect(app.db.status()).type.toBe<NodeStatus[]>()
  app.get('/a', { config: { db: { consistency: 'strong', target: 'auto' } } }, async (request) => {
    expect(request.db).type.toBe<HighloadDb>()
    return 'a'
  })
  app.get('/b', { config: { db: false } }, async () => 'b')
  expect(app.get('/c', { config: { db: { target: 'replica' } } }, async () => 'c')).type.toRaiseError()
  expect(codes.PRIMARY_UNAVAILABLE).type.toBe<'HL_REPLICAS_PRIMARY_UNAVAILABLE'>()
})

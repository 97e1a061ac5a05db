import { channel } from 'node:diagnostics_channel'
import Fastify from 'fastify'
import tap, { type Test } from 'tap'
import metrics from '../src/index.js'
import { parseExposition, samples } from './helpers/parse.js'

const publish = (name: string, message: unknown): void => channel(name).publish(message)

async function build (t: Test, opts = {}) {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, cacheMs: 0, ...opts })
  await app.ready()
  return app
}

async function scrape (app: Awaited<ReturnType<typeof build>>) {
  return parseExposition(await app.slo.metrics())
}

const SUITE = [
  'highload_breaker_state', 'highload_breaker_transitions_total', 'highload_breaker_calls_total',
  'highload_health_up', 'highload_health_transitions_total', 'highload_shutdown_phase',
  'highload_cache_lookups_total', 'highload_cache_invalidations_total', 'highload_cache_collapsed_total',
  'highload_cache_errors_total', 'highload_replicas_routed_total', 'highload_replicas_node_state',
  'highload_replicas_lag_seconds', 'highload_replicas_lag_bytes', 'highload_replicas_retries_total',
  'highload_replicas_slow_queries_total'
]

tap.test('no suite series until a channel publishes', async (t) => {
  const app = await build(t)
  const fam = await scrape(app)
  for (const name of SUITE) t.equal(fam.has(name), false, name)
})

tap.test('breaker, health, shutdown, cache and replica events become metrics', async (t) => {
  const app = await build(t)
  // Shapes as @highload/breaker and @highload/health publish them.
  publish('highload:breaker:state', { name: 'pg', key: null, from: 'closed', to: 'open', reason: 'failure-rate', at: 1, openMs: 5000 })
  publish('highload:breaker:state', { name: 'pg', key: null, from: 'open', to: 'half-open', reason: 'open-elapsed', at: 2, openMs: 0 })
  publish('highload:breaker:call', { name: 'pg', key: null, outcome: 'failure', state: 'closed', attempt: 1, durationMs: 3, slow: false, error: new Error('x') })
  publish('highload:breaker:call', { name: 'pg', key: null, outcome: 'failure', state: 'closed', attempt: 2, durationMs: 3, slow: false, error: null })
  publish('highload:health:transition', { scope: 'readiness', name: 'readiness', from: 'pass', to: 'fail', reason: 'draining', at: 3 })
  publish('highload:health:transition', { scope: 'check', name: 'redis', from: 'unknown', to: 'pass', critical: true, groups: [], reason: null, at: 4 })
  publish('highload:shutdown:phase', { phase: 'draining' })
  publish('highload:shutdown:phase', { phase: 'closing' })
  publish('highload:cache:hit', { name: 'users', tier: 'l1' })
  publish('highload:cache:miss', { name: 'users', tier: 'l2' })
  publish('highload:cache:stale', { name: 'users', tier: 'l1' })
  publish('highload:cache:invalidate', { name: 'users', kind: 'tags', tags: ['a'], source: 'local' })
  publish('highload:cache:invalidate', { name: 'users', kind: 'delete', keys: ['k'], source: 'bus' })
  publish('highload:cache:collapsed', { name: 'users', key: 'u:1' })
  publish('highload:cache:error', { name: 'users', tier: 'l2', op: 'get', code: 'HL_BREAKER_TIMEOUT' })
  publish('highload:cache:error', { name: 'users', tier: 'l2', op: 'get', code: 'HL_BREAKER_TIMEOUT' })
  // Shapes as @highload/replicas publishes them.
  publish('highload:replicas:route', { target: 'replica', node: 'replica1', reason: 'read' })
  publish('highload:replicas:route', 'not an object')
  publish('highload:replicas:node', { node: 'replica1', role: 'replica', from: 'up', to: 'lagging', reason: 'lag' })
  publish('highload:replicas:node', { node: 'replica2', role: 'replica', to: 'warming', reason: 'start' })
  publish('highload:replicas:lag', { node: 'replica1', lagMs: 1500, lagBytes: 4096, replayLsn: '0/3000000' })
  publish('highload:replicas:lag', { node: 'replica2', lagMs: null, lagBytes: null, replayLsn: null })
  publish('highload:replicas:lag', null)
  publish('highload:replicas:retry', { node: 'replica1', cause: 'conflict', attempt: 1 })
  publish('highload:replicas:slow-query', { node: 'primary', fingerprint: 'abc', durationMs: 1200 })
  const fam = await scrape(app)
  const values = (name: string) => samples(fam, name).map((s) => [s.labels, s.value])
  t.same(values('highload_breaker_state'), [
    [{ breaker: 'pg', key: '', state: 'closed' }, 0],
    [{ breaker: 'pg', key: '', state: 'open' }, 0],
    [{ breaker: 'pg', key: '', state: 'half-open' }, 1]
  ])
  t.same(values('highload_breaker_transitions_total'), [
    [{ breaker: 'pg', from: 'closed', to: 'open' }, 1],
    [{ breaker: 'pg', from: 'open', to: 'half-open' }, 1]
  ])
  t.same(values('highload_breaker_calls_total'), [[{ breaker: 'pg', outcome: 'failure' }, 2]])
  t.same(values('highload_health_up'), [[{ scope: 'readiness', name: 'readiness' }, 0], [{ scope: 'check', name: 'redis' }, 1]])
  t.same(values('highload_health_transitions_total'), [
    [{ scope: 'readiness', name: 'readiness', to: 'fail' }, 1],
    [{ scope: 'check', name: 'redis', to: 'pass' }, 1]
  ])
  t.same(values('highload_shutdown_phase'), [[{ phase: 'draining' }, 0], [{ phase: 'closing' }, 1]])
  t.same(values('highload_cache_lookups_total'), [
    [{ cache: 'users', tier: 'l1', result: 'hit' }, 1],
    [{ cache: 'users', tier: 'l2', result: 'miss' }, 1],
    [{ cache: 'users', tier: 'l1', result: 'stale' }, 1]
  ])
  t.same(values('highload_cache_invalidations_total'), [
    [{ cache: 'users', kind: 'tags', source: 'local' }, 1],
    [{ cache: 'users', kind: 'delete', source: 'bus' }, 1]
  ])
  t.same(values('highload_cache_collapsed_total'), [[{ cache: 'users' }, 1]])
  t.same(values('highload_cache_errors_total'), [[{ cache: 'users', tier: 'l2', op: 'get', code: 'HL_BREAKER_TIMEOUT' }, 2]])
  t.same(values('highload_replicas_routed_total'), [
    [{ target: 'replica', node: 'replica1', reason: 'read' }, 1],
    [{ target: '', node: '', reason: '' }, 1]
  ])
  t.same(values('highload_replicas_node_state'), [
    [{ node: 'replica1', state: 'up' }, 0],
    [{ node: 'replica1', state: 'lagging' }, 1],
    [{ node: 'replica2', state: 'warming' }, 1]
  ])
  const lagSeconds = values('highload_replicas_lag_seconds')
  t.same(lagSeconds.slice(0, 1), [[{ node: 'replica1' }, 1.5]])
  t.same(lagSeconds.slice(1).map(([labels, value]) => [labels, Number.isNaN(value)]), [[{ node: 'replica2' }, true], [{ node: '' }, true]],
    'an unknown lag is NaN, never 0; a malformed message does not throw')
  t.same(values('highload_replicas_lag_bytes').slice(0, 1), [[{ node: 'replica1' }, 4096]])
  t.same(values('highload_replicas_retries_total'), [[{ node: 'replica1', cause: 'conflict' }, 1]])
  t.same(values('highload_replicas_slow_queries_total'), [[{ node: 'primary' }, 1]])
})

tap.test('a breaker that starts without a from state', async (t) => {
  const app = await build(t)
  publish('highload:breaker:state', { name: 'redis', to: 'isolated' })
  t.same(samples(await scrape(app), 'highload_breaker_state').map((s) => s.labels.state), ['isolated'])
})

tap.test('suite series are capped like every metric', async (t) => {
  const app = await build(t, { maxSeries: 2 })
  for (const name of ['a', 'b', 'c', 'd']) publish('highload:cache:hit', { name, tier: 'l1' })
  const fam = await scrape(app)
  t.same(samples(fam, 'highload_cache_lookups_total').map((s) => [s.labels, s.value]), [
    [{ cache: 'a', tier: 'l1', result: 'hit' }, 1],
    [{ cache: 'b', tier: 'l1', result: 'hit' }, 1],
    [{ cache: '__overflow__' }, 2]
  ])
  t.equal(samples(fam, 'highload_metrics_series_dropped_total', { metric: 'highload_cache_lookups_total' })[0]?.value, 2)
})

tap.test('subscriptions end with the app; suiteEvents false subscribes to nothing', async (t) => {
  const before = channel('highload:breaker:state').hasSubscribers
  const app = Fastify()
  await app.register(metrics, { runtimeMetrics: false })
  await app.ready()
  t.equal(channel('highload:breaker:state').hasSubscribers, true)
  await app.close()
  t.equal(channel('highload:breaker:state').hasSubscribers, before)

  const off = await build(t, { suiteEvents: false })
  t.equal(channel('highload:cache:hit').hasSubscribers, false)
  publish('highload:cache:hit', { name: 'x' })
  t.equal(parseExposition(await off.slo.metrics()).has('highload_cache_lookups_total'), false)
})

import t from 'tap'
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import type { FastifyBaseLogger } from 'fastify'
import { isConnectionError, sqlState } from '../src/failures.js'
import { registerHealthChecks } from '../src/health.js'
import { applyLag } from '../src/lag.js'
import { formatLsn, parseLsn, requiredReplay } from '../src/lsn.js'
import { DbNode } from '../src/node.js'
import { Router } from '../src/router.js'
import { p2c, roundRobin } from '../src/select.js'
import { parseOptions } from '../src/options.js'
import { deferred } from '@highload/testing'

const logged: Array<[string, unknown, string]> = []
const log = {
  info: (o: unknown, m: string) => logged.push(['info', o, m]),
  warn: (o: unknown, m: string) => logged.push(['warn', o, m])
} as unknown as FastifyBaseLogger

function replica (slowStartMs = 0): DbNode {
  const params = parseOptions({ primary: {}, slowStartMs, lag: { maxLagMs: 1000, maxLagBytes: 1000 } })
  return new DbNode('r1', 'replica', 2, 1000, 1000, { params, log, fingerprint: () => 'f' })
}

const row = (replay: string | null, receive: string | null, age: number | null, recovery = true) => ({ recovery, replay, receive, age })

t.test('LSNs', async (t) => {
  t.equal(parseLsn('16/B374D848'), (0x16n << 32n) | 0xB374D848n)
  t.equal(parseLsn('0/0'), 0n)
  t.equal(formatLsn(parseLsn('16/B374D848')!), '16/B374D848')
  t.equal(formatLsn(parseLsn('ffffffff/ffffffff')!), 'FFFFFFFF/FFFFFFFF')
  for (const bad of ['', '16', '/1', '1/', '1/2/3', 'G/1', '123456789/0', ' 1/2', '1/2 ', '-1/2']) t.equal(parseLsn(bad), null, bad)
  // On an idle primary the insert LSN can sit a page header past the last record.
  t.equal(formatLsn(requiredReplay(parseLsn('0/306A018')!)), '0/306A000', 'short page header')
  t.equal(formatLsn(requiredReplay(parseLsn('0/4000028')!)), '0/4000000', 'long page header (segment start)')
  t.equal(formatLsn(requiredReplay(parseLsn('0/306A029')!)), '0/306A029', 'past any header')
  t.equal(formatLsn(requiredReplay(parseLsn('0/306A000')!)), '0/306A000', 'a page start')
})

t.test('connection-class failures', async (t) => {
  const pgError = (code: string): Error => Object.assign(new Error('x'), { code })
  for (const code of ['08006', '08001', '57P01', '57P02', '57P03', '53300', 'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT']) t.ok(isConnectionError(pgError(code)), code)
  for (const message of ['Connection terminated unexpectedly', 'timeout exceeded when trying to connect', 'Query read timeout']) t.ok(isConnectionError(new Error(message)), message)
  for (const code of ['40001', '25006', '42601', '23505', '57014']) t.notOk(isConnectionError(pgError(code)), code)
  t.notOk(isConnectionError('Connection terminated'))
  t.notOk(isConnectionError(null))
  t.notOk(isConnectionError(new Error('boom')))
  t.equal(sqlState(pgError('40001')), '40001')
  t.equal(sqlState(pgError('ECONNREFUSED')), null)
  t.equal(sqlState(undefined), null)
  t.equal(sqlState({ code: 42 }), null)
})

t.test('lag: measured, ejected over a limit, back under half of both', async (t) => {
  const nodes: unknown[] = []
  const lags: unknown[] = []
  const onNode = (m: unknown): void => { nodes.push(m) }
  const onLag = (m: unknown): void => { lags.push(m) }
  subscribe('highload:replicas:node', onNode)
  subscribe('highload:replicas:lag', onLag)
  t.teardown(() => unsubscribe('highload:replicas:node', onNode))
  t.teardown(() => unsubscribe('highload:replicas:lag', onLag))
  const n = replica()
  applyLag(n, row('0/1000', '0/1000', 60_000), 0x1000n, 1)
  t.same([n.lagMs, n.lagBytes, n.lagging, n.state], [0, 0, false, 'up'], 'replay reached the primary: 0, however old the last transaction')
  applyLag(n, row('0/1000', '0/1500', 200), 0x1400n, 2)
  t.same([n.lagMs, n.lagBytes, n.lagging], [200, 0x400, true], 'over maxLagBytes')
  t.equal(n.state, 'lagging')
  applyLag(n, row('0/1200', '0/1500', 200), 0x1400n, 3)
  t.same([n.lagBytes, n.lagging], [0x200, true], 'under the limit but not under half: still out')
  applyLag(n, row('0/1300', '0/1500', 499), 0x1400n, 4)
  t.same([n.lagBytes, n.lagMs, n.lagging, n.readmittedAt], [0x100, 499, false, 4], 'under half of both: back')
  applyLag(n, row('0/1300', '0/1500', 1001), 0x1400n, 5)
  t.equal(n.lagging, true, 'over maxLagMs')
  applyLag(n, row('0/1300', '0/1300', 10), null, 6)
  t.same([n.lagMs, n.lagBytes, n.lagging], [0, 0, false], 'primary unreachable: measured against its own receive LSN')
  applyLag(n, row('0/1300', '0/1400', null), null, 7)
  t.same([n.lagMs, n.lagBytes, n.lagging], [null, 0x100, true], 'no replayed transaction yet: unknown, never 0')
  applyLag(n, row(null, null, null), 0x1400n, 8)
  t.same([n.lagMs, n.lagBytes, n.replayLsn], [null, null, null])
  t.same(lags.at(-1), { node: 'r1', lagMs: null, lagBytes: null, replayLsn: null })
  t.same(lags[0], { node: 'r1', lagMs: 0, lagBytes: 0, replayLsn: '0/1000' })
  applyLag(n, row('0/1400', null, null), null, 9)
  t.same([n.lagMs, n.lagBytes, n.lagging], [null, null, true], 'no reference at all: unknown')
  applyLag(n, row('0/1400', '0/1400', null, false), null, 10)
  t.same([n.promoted, n.state, n.eligible], [true, 'promoted', false])
  t.match(logged.at(-1), ['warn', { node: 'r1', to: 'promoted' }, /r1 is promoted/])
  t.match(nodes, [{ node: 'r1', role: 'replica', from: 'up', to: 'lagging', reason: 'lag' }])
  t.match(nodes.at(-1), { from: 'lagging', to: 'promoted', reason: 'promoted' })
})

t.test('slow start: the weight ramps from 10 % after readmission', async (t) => {
  const n = replica(1000)
  t.equal(n.effectiveWeight(0), 2, 'never ejected: full weight')
  n.readmit(1000)
  t.equal(n.effectiveWeight(1000), 0.2)
  t.equal(n.effectiveWeight(1050), 0.2)
  t.equal(n.effectiveWeight(1500), 1)
  t.equal(n.effectiveWeight(2000), 2)
  n.refresh('test', 1500)
  t.equal(n.state, 'warming')
  n.refresh('test', 2500)
  t.equal(n.state, 'up')
})

t.test('health checks: one per node from cached state; only the primary may be critical', async (t) => {
  const specs: Array<{ name: string, critical: boolean, check: () => void }> = []
  const nodes = [{ name: 'primary', role: 'primary', state: 'up' }, { name: 'r1', role: 'replica', state: 'warming' }, { name: 'r2', role: 'replica', state: 'down' }]
  const fastify = { hasDecorator: (name: string) => name === 'health', health: { addCheck: (spec: typeof specs[0]) => specs.push(spec) } }
  registerHealthChecks(fastify as never, { nodes, params: { lag: { pollIntervalMs: 500 } } } as never, true)
  t.same(specs.map((s) => [s.name, s.critical]), [['replicas.primary', true], ['replicas.r1', false], ['replicas.r2', false]])
  t.doesNotThrow(() => specs[0]!.check())
  t.doesNotThrow(() => specs[1]!.check())
  t.throws(() => specs[2]!.check(), /replica r2 is down/)
  specs.length = 0
  registerHealthChecks(fastify as never, { nodes, params: { lag: { pollIntervalMs: 500 } } } as never, false)
  t.same(specs.map((s) => s.critical), [false, false, false])
  specs.length = 0
  registerHealthChecks({ hasDecorator: () => false } as never, { nodes } as never, true)
  t.equal(specs.length, 0, 'no @highload/health: no check')
})

t.test('read plans: which replicas may serve a read, without I/O', async (t) => {
  const params = parseOptions({ primary: {}, replicas: [{ name: 'a' }, { name: 'b' }, { name: 'c' }] })
  const router = new Router(params, log)
  const [a, b, c] = router.replicas as [DbNode, DbNode, DbNode]
  a.replayLsn = 0x100n
  b.replayLsn = null
  c.replayLsn = 0x300n
  t.same(router.plan('strong', false, null), { candidates: [], reason: 'strong', primaryRequired: true, wait: null })
  t.same(router.plan('session', true, null).reason, 'request-wrote')
  t.same(router.plan('eventual', true, 0x1000n).candidates, [a, b, c], 'eventual ignores the token and the write')
  t.same(router.plan('session', false, 0x200n), { candidates: [c], reason: 'token-replayed', primaryRequired: false, wait: null })
  t.same(router.plan('session', false, 0x400n), { candidates: [], reason: 'token-not-replayed', primaryRequired: true, wait: { token: 0x400n, best: c } })
  a.lagging = true
  t.equal(router.plan('session', false, 0x400n).wait!.best, c, 'past one whose position is unknown')
  a.lagging = false
  c.lagging = true
  t.equal(router.plan('session', false, 0x400n).wait!.best, a, 'the most advanced eligible replica')
  a.lagging = true
  t.equal(router.plan('session', false, 0x400n).wait!.best, b, 'one whose position is unknown, when it is the only one')
  b.lagging = true
  t.same(router.plan('session', false, 0x400n).wait, null, 'none eligible: no wait')
  t.same(router.plan('session', false, null), { candidates: [], reason: 'no-replica', primaryRequired: false, wait: null })
})

t.test('p2c: two drawn by weight, fewer in flight wins, ties to the first drawn', async (t) => {
  const params = parseOptions({ primary: {}, slowStartMs: 0 })
  const make = (name: string, weight: number): DbNode => new DbNode(name, 'replica', weight, 1, 1, { params, log, fingerprint: () => 'f' })
  const heavy = make('heavy', 1e9)
  const light = make('light', 1e-9)
  t.equal(p2c([heavy], 0), heavy, 'one candidate')
  t.equal(p2c([heavy, light], 0), heavy, 'a tie goes to the first drawn, the heavier one')
  // In flight as the node counts it: calls running through its breaker.
  const running = deferred<void>()
  const hold = (node: DbNode, n: number): void => {
    for (let i = 0; i < n; i++) node.policy.execute(() => running.promise).catch(() => {})
  }
  hold(heavy, 3)
  hold(light, 1)
  t.equal(heavy.inFlight, 3)
  t.equal(p2c([heavy, light], 0), light, 'fewer in flight wins')
  running.resolve()
  await running.promise
  await new Promise<void>((resolve) => setImmediate(resolve))
  t.equal(heavy.inFlight + light.inFlight, 0, 'counted down as the calls end')
  const counts = new Map<string, number>()
  const nodes = [make('a', 1), make('b', 1), make('c', 2)]
  for (let i = 0; i < 4000; i++) {
    const n = p2c(nodes, 0)
    counts.set(n.name, (counts.get(n.name) ?? 0) + 1)
  }
  t.ok(counts.get('a')! > 300 && counts.get('b')! > 300 && counts.get('c')! > 300, JSON.stringify([...counts]))
  const rr = roundRobin()
  t.same([rr(nodes, 0), rr(nodes, 0), rr(nodes, 0), rr(nodes, 0)].map((n) => n.name), ['a', 'b', 'c', 'a'])
})

import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import Fastify, { type FastifyInstance } from 'fastify'
import tap, { type Test } from 'tap'
import { fakeClock, logCollector, type FakeClock } from '@highload/testing'
import metrics, { SLO_CHANNEL, type FastifyHighloadMetricsOptions, type SloStatus, type SloTransitionEvent } from '../src/index.js'
import { parseExposition, samples } from './helpers/parse.js'

const START = Date.UTC(2026, 10, 1)

/** Fastify's timers stay real: only Date, performance and the evaluation interval are faked. */
function clockAt (t: Test): FakeClock {
  return fakeClock(t, { now: START, toFake: ['Date', 'setInterval', 'clearInterval', 'performance'] })
}

function events (t: Test): SloTransitionEvent[] {
  const seen: SloTransitionEvent[] = []
  const handler = (m: unknown): void => { seen.push(m as SloTransitionEvent) }
  subscribe(SLO_CHANNEL, handler)
  t.teardown(() => unsubscribe(SLO_CHANNEL, handler))
  return seen
}

const availability = { name: 'api', target: 0.999, sli: { kind: 'availability' as const } }

async function build (t: Test, opts: FastifyHighloadMetricsOptions, clock?: FakeClock, extra?: (app: FastifyInstance) => void): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, cacheMs: 0, suiteEvents: false, ...opts })
  let failing = false
  app.decorate('fail', (on: boolean) => { failing = on })
  app.get('/api', async (_req, reply) => failing ? reply.code(500).send('boom') : 'ok')
  app.get('/status/:code', async (req, reply) => reply.code(Number((req.params as { code: string }).code)).send('x'))
  app.get('/sleep/:ms', async (req) => {
    clock?.tick(Number((req.params as { ms: string }).ms))
    return 'x'
  })
  extra?.(app)
  await app.ready()
  return app
}

function slo (app: FastifyInstance, name = 'api'): SloStatus {
  return app.slo.status().slos.find((s) => s.name === name) as SloStatus
}

function win (s: SloStatus, window: string) {
  return s.windows.find((w) => w.window === window)
}

tap.test('hand-computed burn rates per window', async (t) => {
  const clock = clockAt(t)
  const app = await build(t, { slos: [{ name: 'api', target: 0.99, sli: { kind: 'availability' } }] }, clock)
  // 20 minutes ago-style history: 900 good requests, then 100 requests with 10 failures.
  for (let i = 0; i < 900; i++) await app.inject('/api')
  clock.tick(20 * 60_000)
  ;(app as unknown as { fail (on: boolean): void }).fail(true)
  for (let i = 0; i < 10; i++) await app.inject('/api')
  ;(app as unknown as { fail (on: boolean): void }).fail(false)
  for (let i = 0; i < 90; i++) await app.inject('/api')
  const s = slo(app)
  // Last 5 minutes: 100 requests, 10 bad: error ratio 0.1, budget 0.01, burn 10.
  t.match(win(s, '5m'), { total: 100, bad: 10, good: 90, errorRatio: 0.1, burnRate: 10 })
  // Last hour: 1000 requests, 10 bad: ratio 0.01, burn 1.
  t.match(win(s, '1h'), { total: 1000, bad: 10, burnRate: 1 })
  t.match(win(s, '30d'), { total: 1000, bad: 10, burnRate: 1 })
  t.same(s.errorBudget, { window: '30d', coverage: 20 * 60_000 / (30 * 86_400_000), consumed: 1, remaining: 0 })
  t.same(s.lifetime, { good: 990, bad: 10, total: 1000 })
  t.equal(s.historyMs, 20 * 60_000)
  t.equal(win(s, '5m')?.coverage, 1)
  t.equal(win(s, '1h')?.coverage, 1 / 3)
  // 5m/1h: 10 > 14.4? no. The page pair needs both windows over 14.4.
  t.same(s.alerts.map((a) => [a.severity, a.longWindow, a.shortWindow, a.burnRate, a.active]), [
    ['page', '1h', '5m', 14.4, false],
    ['page', '6h', '30m', 6, false],
    ['ticket', '1d', '2h', 3, false],
    ['ticket', '3d', '6h', 1, true]
  ])
})

tap.test('total outage at 99.9% trips the 14.4x/1h page within a minute and clears after recovery', async (t) => {
  const clock = clockAt(t)
  const seen = events(t)
  const app = await build(t, { slos: [availability] }, clock)
  const fail = (on: boolean): void => (app as unknown as { fail (on: boolean): void }).fail(on)
  // One hour of healthy traffic at 1 request per second.
  for (let i = 0; i < 3600; i++) {
    await app.inject('/api')
    clock.tick(1000)
  }
  t.same(seen, [])
  fail(true)
  let firedAfter = -1
  for (let i = 1; i <= 180; i++) {
    await app.inject('/api')
    clock.tick(1000)
    if (firedAfter < 0 && seen.some((e) => e.longWindow === '1h' && e.state === 'firing')) firedAfter = i
  }
  // 52 failures out of the last 3,600 requests is 1.44%: 14.4 times the 0.1% budget.
  t.ok(firedAfter >= 50 && firedAfter <= 60, `page fired after ${firedAfter} s of outage`)
  const page = seen.find((e) => e.longWindow === '1h') as SloTransitionEvent
  t.match(page, { slo: 'api', severity: 'page', state: 'firing', shortWindow: '5m', burnRate: 14.4 })
  t.ok(page.longBurnRate >= 14.4 && page.shortBurnRate >= 14.4)
  t.equal(slo(app).alerts[0]?.active, true)
  t.equal(typeof slo(app).alerts[0]?.since, 'number')

  fail(false)
  let clearedAfter = -1
  for (let i = 1; i <= 900; i++) {
    await app.inject('/api')
    clock.tick(1000)
    if (clearedAfter < 0 && seen.some((e) => e.longWindow === '1h' && e.state === 'resolved')) clearedAfter = i
  }
  // The 5m window still holds the outage until almost 5 minutes after recovery.
  t.ok(clearedAfter > 240 && clearedAfter <= 310, `page resolved ${clearedAfter} s after recovery`)
  t.equal(slo(app).alerts[0]?.active, false)
  t.equal(slo(app).alerts[0]?.since, null)
  t.equal(seen.filter((e) => e.longWindow === '1h').length, 2, 'one firing and one resolved event, no flapping')
})

tap.test('a total outage from a cold start pages at the first evaluation', async (t) => {
  const clock = clockAt(t)
  const seen = events(t)
  const app = await build(t, { slos: [availability], evaluationIntervalMs: 1000 }, clock)
  ;(app as unknown as { fail (on: boolean): void }).fail(true)
  for (let i = 0; i < 5; i++) await app.inject('/api')
  clock.tick(1000)
  t.same(seen.filter((e) => e.severity === 'page').map((e) => e.longWindow), ['1h', '6h'])
})

tap.test('hysteresis: a firing alert holds until the burn rate drops 10% under the threshold', async (t) => {
  const clock = clockAt(t)
  const seen = events(t)
  const app = await build(t, {
    slos: [{
      name: 'api',
      target: 0.9,
      sli: { kind: 'availability' },
      alerting: { windows: [{ severity: 'page', longWindowMs: 60_000, shortWindowMs: 20_000, burnRate: 2 }] }
    }]
  }, clock)
  const run = async (total: number, bad: number) => {
    for (let i = 0; i < total; i++) await app.inject(i < bad ? '/status/500' : '/api')
  }
  await run(10, 2) // ratio 0.2, burn 2: fires (>= threshold)
  app.slo.status()
  t.equal(seen.length, 1)
  clock.tick(10_000)
  await run(10, 1) // 3/20 = 0.15 -> burn 1.5 over 20s: below 2 but 1.8 is the floor -> resolves
  app.slo.status()
  t.same(seen.map((e) => e.state), ['firing', 'resolved'])
  clock.tick(10_000)
  await run(100, 19) // short window 20/110 -> burn 1.82 < 2: does not fire again
  app.slo.status()
  t.equal(seen.length, 2)
})

tap.test('bad-status classification: 5xx bad, 4xx and 429 good, timeouts and aborts bad', async (t) => {
  const clock = clockAt(t)
  const app = await build(t, { slos: [{ ...availability, alerting: false }] }, clock)
  for (const code of [200, 201, 301, 400, 404, 429, 499, 500, 503, 504]) await app.inject(`/status/${code}`)
  t.match(slo(app).lifetime, { total: 10, bad: 3 })
  t.same(slo(app).alerts, [])
})

tap.test('badStatus as a list and as a predicate; abortedIsBad false leaves aborts out', async (t) => {
  const clock = clockAt(t)
  const app = await build(t, {
    slos: [
      { name: 'strict', target: 0.99, sli: { kind: 'availability' }, badStatus: ['5xx', 429] },
      { name: 'no503', target: 0.99, sli: { kind: 'availability' }, badStatus: (code) => code >= 500 && code !== 503 }
    ]
  }, clock)
  for (const code of [200, 429, 500, 503]) await app.inject(`/status/${code}`)
  t.match(slo(app, 'strict').lifetime, { total: 4, bad: 3 })
  t.match(slo(app, 'no503').lifetime, { total: 4, bad: 1 })
})

tap.test('latency SLI: slow or failed requests are bad; the threshold is a bucket bound', async (t) => {
  const clock = clockAt(t)
  // Hooks timing: durations come from Fastify's timer, which the fake clock drives, for injected requests too.
  const app = await build(t, {
    timing: 'hooks',
    slos: [{ name: 'fast', target: 0.95, sli: { kind: 'latency', thresholdMs: 300 }, routes: ['/sleep/*', '/status/:code'] }]
  }, clock)
  await app.inject('/sleep/100')
  await app.inject('/sleep/300')
  await app.inject('/sleep/301')
  await app.inject('/status/500')
  await app.inject('/api')
  t.match(slo(app, 'fast').lifetime, { total: 4, bad: 2 })
  t.same(slo(app, 'fast').sli, { kind: 'latency', thresholdMs: 300 })
  const fam = parseExposition((await app.inject('/metrics')).body)
  const D = 'http_server_request_duration_seconds'
  const sleep = samples(fam, D, { http_route: '/sleep/:ms' }, `${D}_bucket`)
  t.equal(sleep.find((s) => s.labels.le === '0.3')?.value, 2, 'requests at or under 300 ms sit in the le="0.3" bucket')
  t.equal(sleep.find((s) => s.labels.le === '0.5')?.value, 3)
})

tap.test('membership: routes option, config.slo, methods; unmatched requests never count', async (t) => {
  const clock = clockAt(t)
  const app = await build(t, {
    slos: [
      { name: 'all', target: 0.99, sli: { kind: 'availability' } },
      { name: 'opt-in', target: 0.99, sli: { kind: 'availability' }, routes: [] },
      { name: 'regex', target: 0.99, sli: { kind: 'availability' }, routes: [/^\/status/g] },
      { name: 'posts', target: 0.99, sli: { kind: 'availability' }, methods: ['post'] }
    ]
  }, clock, (app) => app.get('/other', { config: { slo: 'opt-in' } }, async () => 'x'))
  await app.inject('/api')
  await app.inject('/other')
  await app.inject('/status/200')
  await app.inject('/status/201')
  await app.inject('/missing')
  t.equal(slo(app, 'all').lifetime.total, 4)
  t.equal(slo(app, 'opt-in').lifetime.total, 1)
  t.equal(slo(app, 'regex').lifetime.total, 2)
  t.equal(slo(app, 'posts').lifetime.total, 0)
})

tap.test('unknown SLO in config.slo fails the route', async (t) => {
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, slos: [availability] })
  t.throws(() => app.get('/x', { config: { slo: ['api', 'nope'] } }, async () => 'x'), { code: 'HL_METRICS_UNKNOWN_SLO', message: /GET \/x.*nope/ })
})

tap.test('GET /slo and the SLO metric families', async (t) => {
  const clock = clockAt(t)
  const app = await build(t, { slos: [availability, { name: 'quiet', target: 0.99, sli: { kind: 'availability' }, alerting: false, routes: [] }] }, clock)
  await app.inject('/api')
  await app.inject('/status/500')
  const res = await app.inject('/slo')
  t.equal(res.statusCode, 200)
  const body = res.json() as { at: number, slos: SloStatus[] }
  t.equal(body.at, START)
  t.match(body.slos[0], { name: 'api', target: 0.999, periodDays: 30, lifetime: { good: 1, bad: 1 } })
  t.same(body.slos[0]?.windows.map((w) => w.window), ['5m', '30m', '1h', '2h', '6h', '1d', '3d', '30d'])
  const fam = parseExposition((await app.inject('/metrics')).body)
  t.same(samples(fam, 'highload_slo_events_total').map((s) => [s.labels, s.value]), [
    [{ slo: 'api', outcome: 'good' }, 1], [{ slo: 'api', outcome: 'bad' }, 1],
    [{ slo: 'quiet', outcome: 'good' }, 0], [{ slo: 'quiet', outcome: 'bad' }, 0]
  ])
  t.same(samples(fam, 'highload_slo_objective_ratio').map((s) => s.value), [0.999, 0.99])
  t.equal(samples(fam, 'highload_slo_burn_rate', { slo: 'api', window: '5m' })[0]?.value, 500)
  t.equal(samples(fam, 'highload_slo_error_budget_remaining_ratio', { slo: 'api' })[0]?.value, -499)
  t.same(samples(fam, 'highload_slo_alert_active', { slo: 'api' }).map((s) => [s.labels.severity, s.labels.long_window, s.value]), [
    ['page', '1h', 1], ['page', '6h', 1], ['ticket', '1d', 1], ['ticket', '3d', 1]
  ])
})

tap.test('SLO families are absent without SLOs', async (t) => {
  const app = await build(t, {})
  await app.inject('/api')
  const fam = parseExposition((await app.inject('/metrics')).body)
  t.equal(fam.has('highload_slo_events_total'), false)
  t.equal(fam.has('highload_slo_alert_active'), false)
  t.same(app.slo.status().slos, [])
})

tap.test('transitions are logged', async (t) => {
  const clock = clockAt(t)
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, slos: [{ ...availability, alerting: { windows: [{ severity: 'ticket', longWindowMs: 60_000, shortWindowMs: 10_000, burnRate: 1 }] } }] })
  app.get('/boom', { logLevel: 'silent' }, async (_req, reply) => reply.code(500).send('x'))
  app.get('/ok', { logLevel: 'silent' }, async () => 'ok')
  await app.ready()
  await app.inject('/boom')
  clock.tick(5000)
  clock.tick(60_000)
  await app.inject('/ok')
  clock.tick(5000)
  const slo = logs.lines.filter((l) => /SLO api/.test(String(l.msg)))
  t.same(slo.map((l) => l.level), [40, 30])
  t.match(slo[0]?.msg, /ticket burn-rate alert firing \(1m\/10s over 1x\)/)
  t.match(slo[1]?.msg, /resolved/)
})

// One synthetic incident (healthy, total outage, 2% partial outage, recovery) for one SLO of each
// SLI kind with the default windows: `promtool test rules` asserts when the generated alerts fire
// and clear, minute by minute, and the in-process engine, fed the same traffic under a fake clock,
// must agree with it (issue #17). The figures are the README's table.
import { subscribe, unsubscribe } from 'node:diagnostics_channel'
import Fastify from 'fastify'
import tap from 'tap'
import { parse, stringify } from 'yaml'
import { fakeClock, runPromtool } from '@highload/testing'
import metrics, { SLO_CHANNEL, type SloTransitionEvent } from '../src/index.js'
import {
  END_MINUTE, IN_PROCESS, MINUTE_MS, PROMETHEUS, REQUESTS_PER_MINUTE, TIMELINE_SLOS, badInMinute, clock, scrapes,
  type Severity, type Transition, type TransitionTable
} from './helpers/timeline.js'

const SEVERITIES: readonly Severity[] = ['page', 'ticket']
const NAMES = TIMELINE_SLOS.map((s) => s.name)

interface AlertRule { alert?: string, labels?: Record<string, string>, annotations?: Record<string, string> }

async function generatedRules (): Promise<string> {
  const app = Fastify()
  await app.register(metrics, { runtimeMetrics: false, suiteEvents: false, slos: TIMELINE_SLOS })
  await app.ready()
  const rules = app.slo.prometheusRules()
  await app.close()
  return rules
}

/** A promtool unit test feeding the timeline's scrapes, expecting at each minute what `expected` says fires. */
function unitTest (rules: string, expected: TransitionTable, minutes: readonly number[]): string {
  const alerts = (parse(rules) as { groups: Array<{ rules: AlertRule[] }> }).groups.flatMap((g) => g.rules).filter((r) => r.alert !== undefined)
  const { good, bad } = scrapes()
  const inputSeries = NAMES.flatMap((slo) => [
    { series: `highload_slo_events_total{slo="${slo}",outcome="good"}`, values: good.join(' ') },
    { series: `highload_slo_events_total{slo="${slo}",outcome="bad"}`, values: bad.join(' ') }
  ])
  const alertRuleTest = minutes.map((m) => ({
    eval_time: `${m}m`,
    alertname: 'ErrorBudgetBurn',
    exp_alerts: NAMES.flatMap((slo) => SEVERITIES.filter((severity) => {
      const { fires, clears } = (expected[slo] as Record<Severity, Transition>)[severity]
      return m * MINUTE_MS >= fires && m * MINUTE_MS < clears
    }).map((severity) => {
      const rule = alerts.find((r) => r.labels?.slo === slo && r.labels.severity === severity) as AlertRule
      return { exp_labels: rule.labels, exp_annotations: rule.annotations }
    }))
  }))
  return stringify({
    rule_files: ['rules.yml'],
    evaluation_interval: '1m',
    tests: [{ interval: '1m', input_series: inputSeries, alert_rule_test: alertRuleTest }]
  }, { lineWidth: 0 })
}

tap.test('promtool test rules: each alert fires and clears at the expected minute, and at no other', async (t) => {
  const rules = await generatedRules()
  const every = Array.from({ length: END_MINUTE + 1 }, (_, m) => m)
  const dir = t.testdir({ 'rules.yml': rules, 'timeline.yml': unitTest(rules, PROMETHEUS, every) })
  const result = await runPromtool(['test', 'rules', 'timeline.yml'], { cwd: dir, timeoutMs: 120_000 })
  t.equal(result.code, 0, `the state of every alert at each of the ${every.length} minutes matches`, { output: (result.stdout + result.stderr).slice(0, 4000) })

  // The harness can fail: the availability page one minute early is refused.
  const early = structuredClone(PROMETHEUS)
  early.availability!.page.fires -= MINUTE_MS
  const wrong = t.testdir({ 'rules.yml': rules, 'timeline.yml': unitTest(rules, early, [59, 60, 61]) })
  const failed = await runPromtool(['test', 'rules', 'timeline.yml'], { cwd: wrong })
  t.not(failed.code, 0)
  t.match(failed.stdout + failed.stderr, /alertname: ErrorBudgetBurn, time: 1h, \s+exp:\[\s+0:\s+Labels:{alertname="ErrorBudgetBurn", severity="page", slo="availability"}[^\]]*\], \s+got:\[\]/)
})

/** Severity-level transitions from the engine's per-window-pair events: a severity fires with its first pair and clears with its last. */
function severityTransitions (events: readonly SloTransitionEvent[], start: number): Record<string, Record<Severity, Array<{ state: string, at: number }>>> {
  const out: Record<string, Record<Severity, Array<{ state: string, at: number }>>> = {}
  const active = new Map<string, Set<string>>()
  for (const e of events) {
    const key = `${e.slo}/${e.severity}`
    const pairs = active.get(key) ?? new Set<string>()
    active.set(key, pairs)
    const list = ((out[e.slo] ??= { page: [], ticket: [] }) as Record<Severity, Array<{ state: string, at: number }>>)[e.severity]
    const before = pairs.size
    if (e.state === 'firing') pairs.add(`${e.longWindow}/${e.shortWindow}`)
    else pairs.delete(`${e.longWindow}/${e.shortWindow}`)
    if (before === 0 && pairs.size > 0) list.push({ state: 'fires', at: e.at - start })
    if (before > 0 && pairs.size === 0) list.push({ state: 'clears', at: e.at - start })
  }
  return out
}

/**
 * How far apart the two may be: Prometheus evaluates once a minute, and the engine reads a
 * severity's shortest window in ring slots of 10 s (page: 5 m) or 5 min (ticket: 2 h), so a window
 * covers up to one slot less than its length.
 */
const TOLERANCE_MS: Record<Severity, number> = { page: MINUTE_MS + 10_000, ticket: MINUTE_MS + 5 * MINUTE_MS }

tap.test('the in-process engine, fed the same traffic, agrees with Prometheus on when each alert fires and clears', async (t) => {
  const start = Date.UTC(2026, 10, 1)
  // Fastify's own timers stay real; Date, performance (request durations) and the evaluation interval are faked.
  const time = fakeClock(t, { now: start, toFake: ['Date', 'setInterval', 'clearInterval', 'performance'] })
  const events: SloTransitionEvent[] = []
  const listen = (e: unknown): void => { events.push(e as SloTransitionEvent) }
  subscribe(SLO_CHANNEL, listen)
  t.teardown(() => unsubscribe(SLO_CHANNEL, listen))

  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, suiteEvents: false, timing: 'hooks', slos: TIMELINE_SLOS })
  let failing = false
  // The availability SLO's bad requests fail; the latency SLO's take 400 ms, over its 300 ms threshold.
  app.get('/availability', async (_request, reply) => failing ? reply.code(500).send('down') : 'ok')
  app.get('/latency', async () => {
    if (failing) time.tick(400)
    return 'ok'
  })
  await app.ready()

  const every = MINUTE_MS / REQUESTS_PER_MINUTE
  for (let m = 0; m < END_MINUTE; m++) {
    const bad = badInMinute(m)
    for (let k = 0; k < REQUESTS_PER_MINUTE; k++) {
      const slot = Date.now()
      failing = k < bad
      await app.inject('/availability')
      await app.inject('/latency')
      time.tick(slot + every - Date.now())
    }
  }
  t.same(app.slo.status().slos.map((s) => [s.name, s.lifetime.total]), NAMES.map((n) => [n, END_MINUTE * REQUESTS_PER_MINUTE]))

  const seen = severityTransitions(events, start)
  const rows: string[] = []
  for (const slo of NAMES) {
    for (const severity of SEVERITIES) {
      const prometheus = (PROMETHEUS[slo] as Record<Severity, Transition>)[severity]
      const changes = (seen[slo] as Record<Severity, Array<{ state: string, at: number }>>)[severity]
      t.same(changes.map((c) => c.state), ['fires', 'clears'], `${slo} ${severity}: fires once and clears once, no flapping`)
      const measured: Transition = { fires: changes[0]?.at ?? NaN, clears: changes[1]?.at ?? NaN }
      t.same(measured, (IN_PROCESS[slo] as Record<Severity, Transition>)[severity], `${slo} ${severity}: the README's figures`)
      for (const edge of ['fires', 'clears'] as const) {
        const gap = Math.abs(measured[edge] - prometheus[edge])
        t.ok(gap <= TOLERANCE_MS[severity], `${slo} ${severity} ${edge} ${clock(gap)} apart (at most ${clock(TOLERANCE_MS[severity])})`)
      }
      rows.push(`| ${slo} | ${severity} | ${clock(prometheus.fires)} | ${clock(measured.fires)} | ${clock(prometheus.clears)} | ${clock(measured.clears)} |`)
    }
  }
  t.comment(['| SLO | alert | fires (Prometheus) | fires (in-process) | clears (Prometheus) | clears (in-process) |', ...rows].join('\n'))
})

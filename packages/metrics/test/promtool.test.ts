// The generated rules and the exposition, checked by Prometheus's own promtool (issue #17). A
// missing promtool fails these tests (runPromtool throws); scripts/ensure-promtool.sh installs it.
import { channel } from 'node:diagnostics_channel'
import Fastify from 'fastify'
import tap from 'tap'
import { parse, stringify } from 'yaml'
import { runPromtool } from '@highload/testing'
import metrics, { type FastifyHighloadMetricsOptions } from '../src/index.js'

interface Rules { groups: Array<{ name: string, rules: Array<{ record?: string, labels?: Record<string, string> }> }> }

async function rulesOf (slos: FastifyHighloadMetricsOptions['slos'], selector?: string): Promise<string> {
  const app = Fastify()
  await app.register(metrics, { runtimeMetrics: false, suiteEvents: false, slos })
  await app.ready()
  const text = app.slo.prometheusRules(selector === undefined ? {} : { selector })
  await app.close()
  return text
}

const DAY = 86_400_000

tap.test('promtool check rules --lint=all --lint-fatal: one SLO, several, every SLI kind', async (t) => {
  const files = {
    'one.yml': await rulesOf([{ name: 'checkout', target: 0.999, sli: { kind: 'availability' } }]),
    // The pair (availability and latency), then periods, custom windows and no alerting.
    'several.yml': await rulesOf([
      { name: 'availability', target: 0.999, sli: { kind: 'availability' } },
      { name: 'latency', target: 0.99, sli: { kind: 'latency', thresholdMs: 300 } },
      { name: 'search_fast', target: 0.995, periodDays: 28, sli: { kind: 'latency', thresholdMs: 250 }, routes: ['/search*'] },
      { name: 'batch', target: 0.95, periodDays: 2, sli: { kind: 'availability' } },
      { name: 'quiet', target: 0.9, sli: { kind: 'availability' }, alerting: false },
      {
        name: 'api-7d',
        target: 0.99,
        periodDays: 7,
        sli: { kind: 'latency', thresholdMs: 1000 },
        alerting: {
          windows: [
            { severity: 'page', longWindowMs: 3_600_000, shortWindowMs: 90_000, burnRate: 16.8 },
            { severity: 'ticket', longWindowMs: 7 * DAY, shortWindowMs: DAY, burnRate: 1 }
          ]
        }
      }
    ], 'job="api",env=~"prod|staging"')
  }
  const dir = t.testdir(files)
  const result = await runPromtool(['check', 'rules', '--lint=all', '--lint-fatal', ...Object.keys(files)], { cwd: dir })
  const output = result.stdout + result.stderr
  t.equal(result.code, 0, 'promtool accepts every file', { output })
  t.match(output, /Checking one\.yml\s+SUCCESS: 16 rules found/)
  t.match(output, /Checking several\.yml\s+SUCCESS: \d+ rules found/)

  // Every rule names its SLO in a static label, as Sloth's name theirs.
  const unlabelled: string[] = []
  for (const [file, text] of Object.entries(files)) {
    for (const group of (parse(text) as Rules).groups) {
      const slo = /^highload-slo-(.+?)(-meta)?$/.exec(group.name)?.[1]
      for (const rule of group.rules) if (slo === undefined || rule.labels?.slo !== slo) unlabelled.push(`${file} ${group.name} ${rule.record ?? 'alert'}`)
    }
  }
  t.same(unlabelled, [], 'every rule carries slo="<its SLO>"')

  // The same rules without those labels are what 0.x generated: the lint must catch them, or this
  // test proves nothing.
  const bare = parse(files['several.yml']) as Rules
  for (const group of bare.groups) for (const rule of group.rules) if (rule.record !== undefined) delete rule.labels
  const before = t.testdir({ 'before.yml': stringify(bare) })
  const failed = await runPromtool(['check', 'rules', '--lint=all', '--lint-fatal', 'before.yml'], { cwd: before })
  t.not(failed.code, 0)
  t.match(failed.stdout + failed.stderr, /lint error \d+ duplicate rule\(s\) found[\s\S]*Metric: slo:sli_error:ratio_rate5m/)
})

/**
 * promtool's findings, one per line: `<metric> <problem>`. prom-client's default metrics include
 * three gauges whose names end in `_total` (it also exports each without the suffix); the lint
 * names them, and they are upstream names the plugin passes through as they are (README, "Metric
 * names"). Anything else is ours and must not be there.
 */
const PROM_CLIENT_TOTAL_GAUGES = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total']

function findings (output: string): string[] {
  return output.split('\n').filter((line) => line !== '')
}

const publish = (name: string, message: unknown): void => channel(name).publish(message)

tap.test('promtool check metrics: every family the plugin emits, both presets', async (t) => {
  for (const preset of ['otel', 'classic'] as const) {
    const app = Fastify()
    t.teardown(() => app.close())
    await app.register(metrics, {
      preset,
      timing: 'hooks',
      cacheMs: 0,
      maxSeries: 3,
      slos: [
        { name: 'availability', target: 0.999, sli: { kind: 'availability' } },
        { name: 'latency', target: 0.99, sli: { kind: 'latency', thresholdMs: 300 }, routes: ['/ok'] },
        { name: 'quiet', target: 0.9, sli: { kind: 'availability' }, alerting: false, routes: [] }
      ]
    })
    app.get('/ok', async () => 'ok')
    app.get('/status/:code', async (req, reply) => reply.code(Number((req.params as { code: string }).code)).send('x'))
    await app.ready()
    // Statuses past the series cap of 3 fill the overflow series and the dropped counter.
    for (const url of ['/ok', '/status/404', '/status/500', '/status/503', '/status/429', '/missing']) await app.inject(url)
    // Every suite channel, in the shapes the packages publish.
    publish('highload:breaker:state', { name: 'pg', key: null, from: 'closed', to: 'open' })
    publish('highload:breaker:call', { name: 'pg', outcome: 'failure' })
    publish('highload:health:transition', { scope: 'check', name: 'redis', from: 'unknown', to: 'pass' })
    publish('highload:shutdown:phase', { phase: 'draining' })
    publish('highload:cache:hit', { name: 'users', tier: 'l1' })
    publish('highload:cache:invalidate', { name: 'users', kind: 'tags', source: 'local' })
    publish('highload:cache:collapsed', { name: 'users' })
    publish('highload:cache:error', { name: 'users', tier: 'l2', op: 'get', code: 'HL_BREAKER_TIMEOUT' })
    publish('highload:replicas:route', { target: 'replica', node: 'replica1', reason: 'read' })
    publish('highload:replicas:node', { node: 'replica1', from: 'up', to: 'lagging' })
    publish('highload:replicas:lag', { node: 'replica1', lagMs: 1500, lagBytes: 4096 })
    publish('highload:replicas:lag', { node: 'replica2', lagMs: null, lagBytes: null })
    publish('highload:replicas:retry', { node: 'replica1', cause: 'conflict' })
    publish('highload:replicas:slow-query', { node: 'primary' })
    const text = await app.slo.metrics()
    for (const family of ['highload_slo_alert_active', 'highload_metrics_series_dropped_total', 'highload_breaker_state', 'highload_replicas_lag_seconds', 'process_cpu_seconds_total']) {
      t.match(text, `# TYPE ${family} `, `${preset}: ${family} is in the exposition`)
    }
    const result = await runPromtool(['check', 'metrics'], { input: text })
    const found = findings(result.stdout + result.stderr)
    t.same(found.map((line) => line.split(' ')[0]), PROM_CLIENT_TOTAL_GAUGES, `${preset}: promtool names only prom-client's _total gauges`, { found })
    t.equal(result.code, 3, 'lint findings, not a parse error')
  }
})

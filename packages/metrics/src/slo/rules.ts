import { stringify } from 'yaml'
import type { SloParams } from './options.js'
import { tidy } from '../tidy.js'
import { SLO_EVENTS } from '../names.js'
import { formatDuration } from './duration.js'

export interface PrometheusRulesOptions {
  /**
   * Extra label matchers added to every selector, e.g. `job="checkout"`, so SLOs of several
   * services with the same name stay apart.
   * @default ''
   */
  selector?: string
}

interface RecordingRule { record: string, expr: string, labels: Record<string, string> }
interface AlertingRule {
  alert: string
  expr: string
  labels: Record<string, string>
  annotations: Record<string, string>
}

function matchers (slo: string, selector: string, extra = ''): string {
  return `{${[`slo="${slo}"`, extra, selector].filter((m) => m !== '').join(',')}}`
}

/** `sum by (slo) (rate(bad[w])) / sum by (slo) (rate(all[w]))`, with `increase` for the period. */
function errorRatio (slo: string, selector: string, window: string, fn: 'rate' | 'increase'): string {
  const bad = `${SLO_EVENTS}${matchers(slo, selector, 'outcome="bad"')}`
  const all = `${SLO_EVENTS}${matchers(slo, selector)}`
  return `sum by (slo) (${fn}(${bad}[${window}]))\n/\nsum by (slo) (${fn}(${all}[${window}]))`
}

/**
 * Prometheus recording and multiwindow burn-rate alert rules with Sloth's recording names
 * (`slo:sli_error:ratio_rate<window>`, `slo:objective:ratio`, ...) and Pyrra's `slo` label and
 * `ErrorBudgetBurn` alert. Every rule carries the static label `slo`, as Sloth's carry
 * `sloth_slo`: several SLOs share each record name, and without it `promtool check rules
 * --lint=all` reports them as duplicates. The SLI comes from the plugin's own
 * `highload_slo_events_total` counters, so Prometheus classifies requests exactly as the process
 * does. The period ratio is request-weighted (`increase` over the period).
 *
 * Two groups per SLO. `highload-slo-<name>` holds the SLI records and, after them, the alerts:
 * rules of one group run in order at one timestamp, so an alert reads the records of the same
 * evaluation (as Pyrra groups its burn rates with its alerts). In separate groups, as Sloth has
 * them, Prometheus runs each group on its own schedule and an alert may read records one
 * evaluation old. `highload-slo-<name>-meta` holds the objective, budget and burn-rate records
 * dashboards read.
 */
export function prometheusRules (slos: readonly SloParams[], options: PrometheusRulesOptions = {}): string {
  const selector = options.selector ?? ''
  const groups = []
  for (const slo of slos) {
    const windows = new Set<number>()
    for (const a of slo.alerts) windows.add(a.shortMs).add(a.longMs)
    windows.delete(slo.periodMs)
    const labels = { slo: slo.name }
    const sli: RecordingRule[] = [...windows].sort((a, b) => a - b).map((ms) => ({
      record: `slo:sli_error:ratio_rate${formatDuration(ms)}`,
      expr: errorRatio(slo.name, selector, formatDuration(ms), 'rate'),
      labels
    }))
    const period = formatDuration(slo.periodMs)
    sli.push({ record: `slo:sli_error:ratio_rate${period}`, expr: errorRatio(slo.name, selector, period, 'increase'), labels })

    const own = `{slo="${slo.name}"}`
    const fastest = slo.alerts.length > 0 ? formatDuration(Math.min(...slo.alerts.map((a) => a.shortMs))) : period
    const meta: RecordingRule[] = [
      { record: 'slo:objective:ratio', expr: `vector(${slo.target})`, labels },
      { record: 'slo:error_budget:ratio', expr: `vector(${slo.budget})`, labels },
      { record: 'slo:time_period:days', expr: `vector(${slo.periodDays})`, labels },
      {
        record: 'slo:current_burn_rate:ratio',
        expr: `slo:sli_error:ratio_rate${fastest}${own}\n/ on (slo) group_left\nslo:error_budget:ratio${own}`,
        labels
      },
      {
        record: 'slo:period_burn_rate:ratio',
        expr: `slo:sli_error:ratio_rate${period}${own}\n/ on (slo) group_left\nslo:error_budget:ratio${own}`,
        labels
      },
      { record: 'slo:period_error_budget_remaining:ratio', expr: `1 - slo:period_burn_rate:ratio${own}`, labels }
    ]
    const alerts: AlertingRule[] = []
    for (const severity of ['page', 'ticket'] as const) {
      const pairs = slo.alerts.filter((a) => a.severity === severity)
      if (pairs.length === 0) continue
      const expr = pairs.map((a) => {
        const threshold = `(${a.burnRate} * ${slo.budget})`
        return `(\n  slo:sli_error:ratio_rate${formatDuration(a.longMs)}${own} > ${threshold}\n  and\n  slo:sli_error:ratio_rate${formatDuration(a.shortMs)}${own} > ${threshold}\n)`
      }).join('\nor\n')
      alerts.push({
        alert: 'ErrorBudgetBurn',
        expr,
        labels: { slo: slo.name, severity },
        annotations: {
          summary: `SLO ${slo.name} is burning its error budget too fast`,
          description: `The ${tidy(slo.target * 100)}% ${slo.kind} objective over ${period} burns faster than ` +
            pairs.map((a) => `${a.burnRate}x over ${formatDuration(a.longMs)}/${formatDuration(a.shortMs)}`).join(' or ') + '.'
        }
      })
    }
    groups.push({ name: `highload-slo-${slo.name}`, rules: [...sli, ...alerts] }, { name: `highload-slo-${slo.name}-meta`, rules: meta })
  }
  // No YAML anchors: each rule spells its labels out, as a rules repository's reviewers expect.
  return stringify({ groups }, { lineWidth: 0, aliasDuplicateObjects: false })
}

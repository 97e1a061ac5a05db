import { SLO_ALERT_ACTIVE, SLO_BUDGET_REMAINING, SLO_BURN_RATE, SLO_EVENTS, SLO_OBJECTIVE } from '../names.js'
import { header } from '../text.js'
import type { SloStatusReport } from './engine.js'

/** The SLO families (counters for Prometheus rules, gauges of the in-process evaluation). */
export function renderSlo (report: SloStatusReport): string {
  if (report.slos.length === 0) return ''
  let events = header(SLO_EVENTS, 'Requests counted by each SLO, by outcome.', 'counter')
  let objective = header(SLO_OBJECTIVE, 'SLO target ratio.', 'gauge')
  let burn = header(SLO_BURN_RATE, 'In-process burn rate of the error budget per window (scope: this instance).', 'gauge')
  let budget = header(SLO_BUDGET_REMAINING, 'Share of the error budget left over the period, as seen by this instance.', 'gauge')
  let alert = header(SLO_ALERT_ACTIVE, 'In-process burn-rate alert state: 1 firing, 0 not.', 'gauge')
  for (const s of report.slos) {
    const slo = `slo="${s.name}"`
    events += `${SLO_EVENTS}{${slo},outcome="good"} ${s.lifetime.good}\n${SLO_EVENTS}{${slo},outcome="bad"} ${s.lifetime.bad}\n`
    objective += `${SLO_OBJECTIVE}{${slo}} ${s.target}\n`
    for (const w of s.windows) burn += `${SLO_BURN_RATE}{${slo},window="${w.window}"} ${w.burnRate}\n`
    budget += `${SLO_BUDGET_REMAINING}{${slo}} ${s.errorBudget.remaining}\n`
    for (const a of s.alerts) {
      alert += `${SLO_ALERT_ACTIVE}{${slo},severity="${a.severity}",long_window="${a.longWindow}",short_window="${a.shortWindow}"} ${a.active ? 1 : 0}\n`
    }
  }
  const alerts = report.slos.some((s) => s.alerts.length > 0)
  return events + objective + burn + budget + (alerts ? alert : '')
}

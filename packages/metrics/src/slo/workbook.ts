import { tidy } from '../tidy.js'
import { DAY, HOUR, MINUTE } from './duration.js'
import type { AlertParams, AlertSeverity } from './options.js'

/** The Google SRE workbook's multiwindow alerts, as the share of the budget spent when each fires. */
const WORKBOOK: ReadonlyArray<{ severity: AlertSeverity, spent: number, longMs: number, shortMs: number }> = [
  { severity: 'page', spent: 0.02, longMs: HOUR, shortMs: 5 * MINUTE },
  { severity: 'page', spent: 0.05, longMs: 6 * HOUR, shortMs: 30 * MINUTE },
  { severity: 'ticket', spent: 0.1, longMs: DAY, shortMs: 2 * HOUR },
  { severity: 'ticket', spent: 0.1, longMs: 3 * DAY, shortMs: 6 * HOUR }
]

/**
 * The workbook alerts for a period of `periodDays`: windows longer than the period are dropped,
 * and each burn rate is the share spent times the period over the long window (14.4 for the
 * 1 h page over 30 days).
 */
export function workbookAlerts (periodDays: number): AlertParams[] {
  const periodMs = periodDays * DAY
  return WORKBOOK
    .filter((w) => w.longMs <= periodMs)
    .map((w) => ({ severity: w.severity, longMs: w.longMs, shortMs: w.shortMs, burnRate: tidy(w.spent * periodDays * DAY / w.longMs) }))
}

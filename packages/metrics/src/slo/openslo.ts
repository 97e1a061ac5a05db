import { stringify } from 'yaml'
import type { SloParams } from './options.js'
import { SLO_EVENTS } from '../names.js'
import { formatDuration } from './duration.js'

export interface OpenSloOptions {
  /**
   * The OpenSLO `spec.service` every SLO belongs to.
   * @default 'fastify'
   */
  service?: string
  /**
   * Extra label matchers added to every Prometheus query, e.g. `job="checkout"`.
   * @default ''
   */
  selector?: string
}

/** OpenSLO names are DNS labels: lower case, digits and `-`. */
function dnsName (name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9-]/g, '-').replace(/-+$/, '')
}

function query (slo: string, selector: string, bad: boolean): string {
  const m = [`slo="${slo}"`, bad ? 'outcome="bad"' : '', selector].filter((x) => x !== '').join(',')
  return `sum(${SLO_EVENTS}{${m}})`
}

/**
 * OpenSLO v1 documents (one `SLO` per objective, with its indicator and burn-rate alert
 * policies inline), as a multi-document YAML string.
 */
export function openSlo (slos: readonly SloParams[], options: OpenSloOptions = {}): string {
  const service = options.service ?? 'fastify'
  const selector = options.selector ?? ''
  return slos.map((slo) => {
    const name = dnsName(slo.name)
    const doc = {
      apiVersion: 'openslo/v1',
      kind: 'SLO',
      metadata: { name, displayName: slo.name },
      spec: {
        ...(slo.description === '' ? {} : { description: slo.description }),
        service,
        indicator: {
          metadata: { name: `${name}-sli` },
          spec: {
            ratioMetric: {
              counter: true,
              bad: { metricSource: { type: 'Prometheus', spec: { query: query(slo.name, selector, true) } } },
              total: { metricSource: { type: 'Prometheus', spec: { query: query(slo.name, selector, false) } } }
            }
          }
        },
        timeWindow: [{ duration: formatDuration(slo.periodMs), isRolling: true }],
        budgetingMethod: 'Occurrences',
        objectives: [{
          displayName: slo.kind === 'latency' ? `${slo.thresholdMs} ms latency` : 'availability',
          target: slo.target
        }],
        alertPolicies: slo.alerts.map((a) => ({
          kind: 'AlertPolicy',
          metadata: { name: `${name}-${a.severity}-${formatDuration(a.longMs)}` },
          spec: {
            alertWhenBreaching: true,
            conditions: [{
              kind: 'AlertCondition',
              metadata: { name: `${name}-burnrate-${formatDuration(a.longMs)}-${formatDuration(a.shortMs)}` },
              spec: {
                severity: a.severity,
                condition: {
                  kind: 'burnrate',
                  op: 'gte',
                  threshold: a.burnRate,
                  lookbackWindow: formatDuration(a.longMs),
                  alertAfter: formatDuration(a.shortMs)
                }
              }
            }]
          }
        }))
      }
    }
    return stringify(doc, { lineWidth: 0 })
  }).join('---\n')
}

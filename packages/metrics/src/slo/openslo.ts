import { stringify } from 'yaml'
import type { SloParams } from './options.js'
import { SLO_EVENTS } from '../names.js'
import { MINUTE, formatDuration } from './duration.js'

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

/** OpenSLO's limit on every `description`. */
const MAX_DESCRIPTION = 1050

/**
 * An OpenSLO name: an RFC 1123 label (lower case, digits and `-`, at most 63 characters, starting
 * and ending with a letter or digit). The SLO name part is cut so that `suffix` always fits.
 */
function dnsName (name: string, suffix = ''): string {
  const base = name.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63 - suffix.length).replace(/-+$/, '')
  return base + suffix
}

/**
 * An OpenSLO duration shorthand: a whole number of minutes, hours or days (the spec has no
 * seconds), so a window that is not a whole number of minutes is rounded up to one.
 */
function openSloDuration (ms: number): string {
  return formatDuration(Math.ceil(ms / MINUTE) * MINUTE)
}

function query (slo: string, selector: string, bad: boolean): string {
  const m = [`slo="${slo}"`, bad ? 'outcome="bad"' : '', selector].filter((x) => x !== '').join(',')
  return `sum(${SLO_EVENTS}{${m}})`
}

/**
 * OpenSLO v1 documents (one `SLO` per objective, with its indicator and burn-rate alert
 * policies inline), as a multi-document YAML string. Each policy notifies the target named after
 * its severity (`page`, `ticket`), as the generated Prometheus alerts carry it in a label.
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
        ...(slo.description === '' ? {} : { description: slo.description.slice(0, MAX_DESCRIPTION) }),
        service,
        indicator: {
          metadata: { name: dnsName(slo.name, '-sli') },
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
        alertPolicies: slo.alerts.map((a) => {
          const long = openSloDuration(a.longMs)
          const short = openSloDuration(a.shortMs)
          return {
            kind: 'AlertPolicy',
            metadata: { name: dnsName(slo.name, `-${a.severity}-${long}`) },
            spec: {
              alertWhenBreaching: true,
              conditions: [{
                kind: 'AlertCondition',
                metadata: { name: dnsName(slo.name, `-burnrate-${long}-${short}`) },
                spec: {
                  severity: a.severity,
                  condition: { kind: 'burnrate', op: 'gte', threshold: a.burnRate, lookbackWindow: long, alertAfter: short }
                }
              }],
              notificationTargets: [{ targetRef: a.severity }]
            }
          }
        })
      }
    }
    return stringify(doc, { lineWidth: 0 })
  }).join('---\n')
}

import type { HealthEngine } from './engine.js'
import type { HealthParams, HealthStatus } from './options.js'
import { redact } from './redact.js'

/** One entry of `checks` in the `application/health+json` document. */
export interface HealthCheckEntry {
  componentType: string
  status: HealthStatus
  observedValue?: number | string | boolean | null
  observedUnit?: string
  /** ISO 8601 time of the last result. */
  time?: string
  /** Redacted failure reason; only when details are exposed. */
  output?: string
  /** The `details` the check returned with its last passing result. */
  details?: Record<string, unknown>
}

/** The document `/health` serves and `fastify.health.status()` returns (IETF draft-inadarei-api-health-check). */
export interface HealthDocument {
  status: HealthStatus
  version?: string
  releaseId?: string
  serviceId?: string
  description?: string
  /** Why the service is not ready; only when details are exposed. */
  notes?: string[]
  /** Keyed `"<name>:<measurement>"`, one entry per check. */
  checks: Record<string, HealthCheckEntry[]>
}

const HEADER_KEYS = ['version', 'releaseId', 'serviceId', 'description'] as const

function header (params: HealthParams): Partial<Pick<HealthDocument, typeof HEADER_KEYS[number]>> {
  const fields: Partial<Pick<HealthDocument, typeof HEADER_KEYS[number]>> = {}
  for (const key of HEADER_KEYS) {
    const value = params[key]
    if (value !== undefined) fields[key] = value
  }
  return fields
}

export function buildDocument (engine: HealthEngine, params: HealthParams, now: number, details: boolean): HealthDocument {
  let status: HealthStatus = engine.ready ? 'pass' : 'fail'
  const checks: Record<string, HealthCheckEntry[]> = {}
  for (const check of engine.checks) {
    const state = check.effective(now)
    const entry: HealthCheckEntry = {
      componentType: check.params.componentType,
      status: state === 'unknown' ? 'warn' : state
    }
    if (state === 'pass' && check.observation !== null) {
      const { observedValue, observedUnit, details: facts } = check.observation
      entry.observedValue = observedValue
      if (observedUnit !== undefined) entry.observedUnit = observedUnit
      if (facts !== undefined) entry.details = facts
    }
    if (check.results > 0) entry.time = new Date(check.lastResultAt).toISOString()
    if (state !== 'pass') {
      if (details) entry.output = state === 'fail' ? redact(check.reason()) : 'pending'
      if (status === 'pass') status = 'warn'
    }
    checks[check.params.key] = [entry]
  }

  if (details && !engine.ready) {
    // placed before checks so a human reads the why first
    const notes = engine.evaluate('readiness', now, null).lines
      .filter((line) => line.fails)
      .map((line) => `${line.name}: ${line.kind === 'pending' ? 'pending' : redact(line.reason)}`)
    return { status, ...header(params), notes, checks }
  }
  return { status, ...header(params), checks }
}

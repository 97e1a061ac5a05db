import { channel } from 'node:diagnostics_channel'
import type { CheckState, HealthGroup } from './options.js'

/** A check's effective state changed (staleness included). */
export interface HealthCheckTransition {
  scope: 'check'
  /** The check name. */
  name: string
  from: CheckState
  to: CheckState
  critical: boolean
  groups: readonly HealthGroup[]
  /** Redacted failure reason when `to` is `fail`, otherwise null. */
  reason: string | null
  /** `Date.now()` when the change was seen. */
  at: number
}

/** The liveness or readiness of the whole service changed. */
export interface HealthProbeTransition {
  scope: 'liveness' | 'readiness'
  /** Same as `scope`, so every message has a name. */
  name: 'liveness' | 'readiness'
  from: 'pass' | 'fail'
  to: 'pass' | 'fail'
  /** Redacted `"<gate or check>: <reason>"` when `to` is `fail`, otherwise null. */
  reason: string | null
  at: number
}

/** Message published on `highload:health:transition`. */
export type HealthTransitionMessage = HealthCheckTransition | HealthProbeTransition

export const TRANSITION_CHANNEL = 'highload:health:transition' as const

export const transitionChannel = channel(TRANSITION_CHANNEL)

export function publishTransition (message: HealthTransitionMessage): void {
  if (transitionChannel.hasSubscribers) transitionChannel.publish(message)
}

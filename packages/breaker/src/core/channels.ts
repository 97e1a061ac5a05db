import diagnostics from 'node:diagnostics_channel'
import type { BreakerState, StateChangeEvent } from './options.js'

/** Outcome of one attempt, or the reason it never ran. */
export type CallOutcome =
  | 'success' | 'failure' | 'ignored' | 'timeout' | 'deadline-exceeded' | 'aborted'
  | 'rejected-open' | 'rejected-bulkhead'

/** Message on `highload:breaker:call`. */
export interface CallEvent {
  name: string
  key: string | null
  outcome: CallOutcome
  /** State of the breaker when the attempt was admitted (or rejected). */
  state: BreakerState
  /** 1 for the first attempt. */
  attempt: number
  /** Time the attempt ran, in ms (0 when it never ran). */
  durationMs: number
  /** Whether the attempt counted as slow. */
  slow: boolean
  /** The error, for failures, timeouts, aborts and rejections. */
  error: unknown
}

/** Transitions: message is a `StateChangeEvent`. */
export const stateChannel = diagnostics.channel('highload:breaker:state')
/** Outcomes of attempts: message is a `CallEvent`. */
export const callChannel = diagnostics.channel('highload:breaker:call')

export type { StateChangeEvent }

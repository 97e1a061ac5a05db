import diagnostics from 'node:diagnostics_channel'

export type ShutdownPhase = 'running' | 'draining' | 'closing' | 'closed'

/** The message published on `highload:shutdown:phase` at every phase change. */
export interface ShutdownPhaseEvent {
  /** The phase just entered. */
  phase: ShutdownPhase
  /** What started the sequence: a signal name, `start(reason)`'s reason, the crash event, `'close'` for a plain `fastify.close()`. */
  reason: string
  /** Milliseconds since the sequence started. */
  elapsedMs: number
  /** Responses sent since the sequence started. */
  servedDuringDrain: number
  /** Idle keep-alive sockets closed by the plugin. */
  socketsReaped: number
  /** Sockets destroyed at the request-drain deadline. */
  socketsForced: number
  /** Requests in progress at the time of the change. */
  inFlight: number
}

export const PHASE_CHANNEL = 'highload:shutdown:phase'
export const phaseChannel = diagnostics.channel(PHASE_CHANNEL)

export function publishPhase (event: ShutdownPhaseEvent): void {
  if (phaseChannel.hasSubscribers) phaseChannel.publish(event)
}

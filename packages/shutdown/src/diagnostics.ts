import type { FastifyRequest } from 'fastify'

export interface InFlightRequest {
  method: string
  url: string
  ageMs: number
}

/** Requests still in progress, oldest first, for the logs of a forced close or a deadline. */
export function describeInFlight (inFlight: ReadonlyMap<FastifyRequest, number>, now: number, limit = 20): InFlightRequest[] {
  const out: InFlightRequest[] = []
  for (const [request, startedAt] of inFlight) {
    if (out.length === limit) break
    out.push({ method: request.method, url: request.url, ageMs: Math.round(now - startedAt) })
  }
  return out
}

/** What keeps the event loop alive, by resource type (e.g. { TCPSocketWrap: 2, Timeout: 1 }). */
export function activeHandles (): Record<string, number> {
  const counts: Record<string, number> = {}
  for (const type of process.getActiveResourcesInfo()) counts[type] = (counts[type] ?? 0) + 1
  return counts
}

import type { FastifyInstance } from 'fastify'
import type { Router } from './router.js'

/** The part of @highload/health's `fastify.health` this plugin uses. */
interface HealthLike {
  addCheck: (spec: {
    name: string
    critical: boolean
    groups: string[]
    intervalMs: number
    componentType: string
    check: () => void
  }) => unknown
}

/**
 * One check per node, `replicas.<node>`, from the state the pollers keep (no query of its own).
 * Only the primary's may be critical: a database outage must not pull every pod out of
 * rotation by default, reads included. Called from onReady, so the registration order of the
 * two plugins does not matter.
 */
export function registerHealthChecks (fastify: FastifyInstance, router: Router, critical: boolean): void {
  if (!fastify.hasDecorator('health')) return
  const health = (fastify as unknown as { health: HealthLike }).health
  for (const node of router.nodes) {
    health.addCheck({
      name: `replicas.${node.name}`,
      critical: critical && node.role === 'primary',
      groups: ['readiness'],
      intervalMs: router.params.lag.pollIntervalMs,
      componentType: 'datastore',
      check: () => {
        if (node.state !== 'up' && node.state !== 'warming') throw new Error(`${node.role} ${node.name} is ${node.state}`)
      }
    })
  }
}

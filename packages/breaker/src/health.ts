import type { FastifyInstance } from 'fastify'
import type { Dependency } from './registry.js'

/** The part of @highload/health's `fastify.health` this plugin uses. */
interface HealthCheckSpec {
  name: string
  critical: boolean
  groups: string[]
  intervalMs: number
  componentType: string
  check: (ctx: { signal: AbortSignal }) => void
}
interface HealthLike {
  addCheck: (spec: HealthCheckSpec) => unknown
}

/** `breaker.<name>`, reduced to the characters @highload/health accepts in a check name. */
export function checkName (name: string): string {
  return ('breaker.' + name.replace(/[^A-Za-z0-9_.-]/g, '_')).slice(0, 128)
}

/**
 * One readiness check per dependency: it throws while the dependency's breaker is open or
 * isolated. A critical dependency then fails readiness; a non-critical one makes health `warn`.
 * Called from onReady so that it works whatever order the two plugins were registered in.
 */
export function registerHealthChecks (fastify: FastifyInstance, deps: Iterable<Dependency>): void {
  if (!fastify.hasDecorator('health')) return
  const health = (fastify as unknown as { health: HealthLike }).health
  for (const dep of deps) {
    const policy = dep.policy
    health.addCheck({
      name: checkName(dep.spec.name),
      critical: dep.spec.critical,
      groups: ['readiness'],
      intervalMs: 1000,
      componentType: 'component',
      check: () => {
        const state = policy.state
        if (state === 'open' || state === 'isolated') throw new Error(`circuit ${state}`)
      }
    })
  }
}

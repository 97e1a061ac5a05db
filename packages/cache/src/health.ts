import type { FastifyInstance } from 'fastify'
import type { HighloadCache } from './cache.js'

/** The part of @highload/health's `fastify.health` the cache uses (it is not a dependency). */
interface HealthLike {
  addCheck: (spec: { name: string, critical: boolean, intervalMs: number, check: () => Promise<void> }) => void
}

/** Checks every second: a `PING` through the L2 policy, failing while Redis does not answer or the bus is down. */
export const HEALTH_INTERVAL_MS = 1000

/** Adds `cache.<name>` to @highload/health when it is registered (in `onReady`, so the order does not matter). */
export function addHealthCheck (fastify: FastifyInstance, cache: HighloadCache, critical: boolean): void {
  fastify.addHook('onReady', async function () {
    if (!fastify.hasDecorator('health')) return
    const health = (fastify as unknown as { health: HealthLike }).health
    health.addCheck({ name: `cache.${cache.name}`, critical, intervalMs: HEALTH_INTERVAL_MS, check: () => cache.check() })
  })
}

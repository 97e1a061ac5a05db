import type { FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { buildDocument } from './document.js'
import type { HealthDocument } from './document.js'
import { HealthEngine } from './engine.js'
import { parseOptions } from './options.js'
import type { FastifyHighloadHealthOptions, HealthCheckSpec } from './options.js'
import { registerRoutes } from './routes.js'

/** Options of `fastify.health.status()`. */
export interface HealthStatusOptions {
  /**
   * Include redacted failure reasons (`output`, `notes`), as `/health` does when details are exposed.
   * @default false
   */
  details?: boolean
}

/** The `fastify.health` decorator. */
export interface HighloadHealth {
  /**
   * Registers a check. Works at any time before the app closes; checks added before Fastify is ready
   * start in `onReady`, later ones run at once. Throws `HL_HEALTH_DUPLICATE_CHECK` for a taken name and
   * `HL_HEALTH_INVALID_OPTION` for an invalid spec (unknown keys included), naming it `checks.<name>.<field>`.
   */
  addCheck(spec: HealthCheckSpec): void
  /**
   * Keeps readiness off until the task settles. A promise is awaited as is; a function is called once
   * Fastify is ready (at once if it already is). A rejection marks the process broken.
   */
  addStartupTask(task: PromiseLike<unknown> | (() => unknown)): void
  /** Fails liveness (and readiness) for good, so the orchestrator restarts the process. */
  markBroken(reason?: string | Error): void
  /**
   * Takes the service out of rotation (`false`) or back in (`true`) without touching liveness.
   * The drain started by `app.close()` cannot be undone with `setReady(true)`.
   */
  setReady(ready: boolean, reason?: string): void
  /** The `application/health+json` document `/health` serves (details withheld unless asked for). */
  status(options?: HealthStatusOptions): HealthDocument
  /** What `/livez` answers right now, without options. */
  isLive(): boolean
  /** What `/readyz` answers right now, without options. */
  isReady(): boolean
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Health checks and probe state from `@highload/health`. */
    health: HighloadHealth
  }
}

const plugin: FastifyPluginAsync<FastifyHighloadHealthOptions> = async (fastify, options) => {
  const params = parseOptions(options)
  const engine = new HealthEngine(params, fastify.log)

  const api: HighloadHealth = {
    addCheck: (spec) => engine.addCheck(spec),
    addStartupTask: (task) => engine.addStartupTask(task),
    markBroken: (reason) => engine.markBroken(reason),
    setReady: (ready, reason) => engine.setReady(ready, reason),
    status: (statusOptions) => {
      const now = Date.now()
      engine.refresh(now)
      return buildDocument(engine, params, now, statusOptions?.details === true)
    },
    isLive: () => {
      engine.refresh(Date.now())
      return engine.live
    },
    isReady: () => {
      engine.refresh(Date.now())
      return engine.ready
    }
  }
  fastify.decorate('health', api)

  fastify.addHook('onReady', async () => engine.start())
  fastify.addHook('onListen', async () => engine.listening())
  // readiness fails the moment close() starts, even without @highload/shutdown
  fastify.addHook('preClose', async () => engine.beginClose())
  fastify.addHook('onClose', async () => await engine.stop())

  registerRoutes(fastify, engine, params)
}

/** Liveness, readiness and startup probes with a cached check engine. */
export const fastifyHighloadHealth = fp(plugin, { fastify: '5.x', name: '@highload/health' })
export default fastifyHighloadHealth

export { redisCheck } from './checks/redis.js'
export type { RedisCheckOptions, RedisPingClient } from './checks/redis.js'
export { postgresCheck } from './checks/postgres.js'
export type { PostgresCheckOptions, PostgresPool, PostgresPoolHolder } from './checks/postgres.js'
export { eventLoopCheck } from './checks/event-loop.js'
export type { EventLoopCheckOptions } from './checks/event-loop.js'
export { memoryCheck } from './checks/memory.js'
export type { MemoryCheckOptions } from './checks/memory.js'
export { TRANSITION_CHANNEL } from './channel.js'
export type { HealthCheckTransition, HealthProbeTransition, HealthTransitionMessage } from './channel.js'
export type { HealthCheckEntry, HealthDocument } from './document.js'
export {
  codes,
  HealthCheckFailedError,
  HealthCheckStaleError,
  HealthCheckTimeoutError,
  HealthDuplicateCheckError,
  HealthInvalidOptionError,
  HealthStartupTaskFailedError
} from './errors.js'
export type {
  CheckState,
  ExposeDetails,
  FastifyHighloadHealthOptions,
  HealthCheckContext,
  HealthCheckDefaults,
  HealthCheckFunction,
  HealthCheckOptions,
  HealthCheckResult,
  HealthCheckSpec,
  HealthGroup,
  HealthPaths,
  HealthStatus
} from './options.js'

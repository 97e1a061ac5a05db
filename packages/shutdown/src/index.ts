import { show } from '@highload/options'
import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fp from 'fastify-plugin'
import { CloseHookTracker } from './close-hooks.js'
import { ConnectionTracker } from './connections.js'
import { ShutdownController, type ShutdownHook, type ShutdownReport } from './controller.js'
import { ShutdownBudgetExceededError, ShutdownInvalidOptionError } from './errors.js'
import type { ShutdownPhase } from './events.js'
import { describeBudget, normalizeOptions, type FastifyHighloadShutdownOptions, type ShutdownBudget, type ShutdownParams } from './options.js'
import { installProcessHandlers } from './process.js'

export type { ShutdownHook, ShutdownReport } from './controller.js'
export type { ShutdownPhase, ShutdownPhaseEvent } from './events.js'
export { PHASE_CHANNEL } from './events.js'
export type { CrashEvent, FastifyHighloadShutdownOptions, ShutdownBudget, ShutdownSignal } from './options.js'
export { GRACE_PERIOD_ENV } from './options.js'
export {
  codes,
  ShutdownBudgetExceededError,
  ShutdownCleanupTimeoutError,
  ShutdownClosingError,
  ShutdownHardDeadlineError,
  ShutdownHookFailedError,
  ShutdownInvalidOptionError
} from './errors.js'

/** The `fastify.shutdown` decorator. */
export interface HighloadShutdown {
  /** `'running'`, then `'draining'` (readiness off, still serving), `'closing'` (listener closed, requests and onClose hooks finishing), `'closed'`. */
  readonly phase: ShutdownPhase
  /** Aborts (reason: `HL_SHUTDOWN_CLOSING`) when the listener closes: end SSE streams, long polls and other long work with it. */
  readonly signal: AbortSignal
  /** The validated time budget in milliseconds. */
  readonly budget: ShutdownBudget
  /**
   * Starts the graceful sequence, as a SIGTERM would. Idempotent: later calls return the same
   * promise, which resolves when the sequence is done, just before the exit function runs.
   */
  start: (reason?: string) => Promise<ShutdownReport>
  /** Registers a hook run at the start of the drain (stop queue consumers, schedulers, timers). */
  onShutdown: (hook: ShutdownHook) => void
}

declare module 'fastify' {
  interface FastifyInstance {
    shutdown: HighloadShutdown
  }
}

function logBudget (fastify: FastifyInstance, params: ShutdownParams): void {
  const { budget } = params
  const line = `shutdown budget: ${describeBudget(budget)}`
  const fields = { budget, sources: params.sources, kubernetes: params.kubernetes }
  if (!budget.fits) {
    if (params.strict) throw new ShutdownBudgetExceededError(describeBudget(budget))
    fastify.log.warn(fields, `${line}; the platform will SIGKILL before the sequence can finish: raise the grace period or lower a phase`)
  } else {
    fastify.log.info(fields, line)
  }
  if (params.pm2) {
    fastify.log.warn(`shutdown: running under PM2, which sends SIGINT and kills after kill_timeout (1600 ms by default): set kill_timeout >= ${budget.totalMs} ms and gracePeriodMs to match`)
  }
  if (fastify.initialConfig.forceCloseConnections === true) {
    fastify.log.warn('shutdown: forceCloseConnections: true destroys in-flight requests as soon as the listener closes; leave it unset and let the request-drain budget force connections')
  }
}

const plugin: FastifyPluginAsync<FastifyHighloadShutdownOptions> = async function highloadShutdown (fastify, opts) {
  const params = normalizeOptions(opts)
  logBudget(fastify, params)

  const closeHooks = new CloseHookTracker()
  const connections = new ConnectionTracker(fastify.server)
  const controller = new ShutdownController(fastify, params, connections, closeHooks)
  const handle = installProcessHandlers(controller, params, fastify.log)

  fastify.addHook('onClose', function shutdownOnClose (_instance, done) {
    controller.closed()
    // After a plain fastify.close() (tests, embedding), give the process listeners back.
    // During our own sequence they stay, so a second signal is still handled.
    if (!controller.started) handle?.uninstall()
    done()
  })
  // Installed after our own onClose hook so that only the user's hooks are tracked.
  closeHooks.install(fastify)

  fastify.addHook('onRequest', function shutdownOnRequest (request, _reply, done) {
    controller.requestStarted(request)
    done()
  })
  fastify.addHook('onResponse', function shutdownOnResponse (request, _reply, done) {
    controller.requestEnded(request)
    done()
  })
  fastify.addHook('onRequestAbort', function shutdownOnRequestAbort (request, done) {
    controller.requestAborted(request)
    done()
  })
  fastify.addHook('onSend', function shutdownOnSend (request, reply, payload, done) {
    controller.beforeSend(request, reply)
    done(null, payload)
  })
  fastify.addHook('preClose', function shutdownPreClose (done) {
    controller.listenerClosing()
    done()
  })

  const api: HighloadShutdown = Object.freeze({
    get phase () { return controller.phase },
    get signal () { return controller.signal },
    budget: params.budget,
    start: (reason = 'start()') => controller.start(reason),
    onShutdown: (hook: ShutdownHook) => {
      if (typeof hook !== 'function') throw new ShutdownInvalidOptionError('onShutdown(hook)', show(hook), 'a function')
      controller.addHook(hook)
    }
  })
  fastify.decorate('shutdown', api)
}

/** Graceful, budgeted, Kubernetes-correct shutdown for Fastify 5. */
export const fastifyHighloadShutdown = fp(plugin, {
  fastify: '5.x',
  name: '@highload/shutdown'
})

export default fastifyHighloadShutdown

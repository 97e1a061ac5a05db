import type { FastifyInstance } from 'fastify'

type Done = (err?: Error | null) => void
type CloseHook = (this: FastifyInstance, instance: FastifyInstance, done: Done) => unknown
type OnCloseMethod = (this: FastifyInstance, fn: CloseHook) => FastifyInstance

/**
 * Names the onClose hooks that are still running, so a stuck one can be reported.
 * Fastify registers every `addHook('onClose', fn)` through the instance's `onClose` method,
 * so wrapping that method on our instance sees every hook added after this plugin, in this
 * context and its children. Hooks added earlier cannot be seen: register the plugin first.
 */
export class CloseHookTracker {
  readonly #running = new Map<object, { label: string, startedAt: number }>()

  install (fastify: FastifyInstance): void {
    const target = fastify as unknown as { onClose: OnCloseMethod }
    const original = target.onClose
    const running = this.#running
    target.onClose = function onClose (this: FastifyInstance, fn: CloseHook) {
      // addHook() always passes a bound (so named) function; only Fastify's own server-close
      // step arrives unnamed, and it is not a user hook.
      if (typeof fn !== 'function' || fn.name === '') return original.call(this, fn)
      const label = `${fn.name.replace(/^bound /, '') || 'anonymous'} (plugin ${this.pluginName})`
      const hook = fn
      function tracked (this: FastifyInstance, instance: FastifyInstance, done: Done): void {
        const token = {}
        running.set(token, { label, startedAt: performance.now() })
        const finish: Done = (err) => {
          running.delete(token)
          done(err)
        }
        if (hook.length >= 2) {
          hook.call(this, instance, finish)
          return
        }
        const result = hook.length === 0 ? (hook as (this: FastifyInstance) => unknown).call(this) : (hook as (this: FastifyInstance, i: FastifyInstance) => unknown).call(this, instance)
        if (result !== null && typeof result === 'object' && typeof (result as Promise<unknown>).then === 'function') {
          (result as Promise<unknown>).then(() => finish(), finish)
        } else {
          finish()
        }
      }
      return original.call(this, tracked)
    }
  }

  /** Labels of the hooks running now, oldest first, with how long they have run. */
  running (): string[] {
    const now = performance.now()
    return [...this.#running.values()].map((h) => `${h.label} running for ${Math.round(now - h.startedAt)} ms`)
  }
}

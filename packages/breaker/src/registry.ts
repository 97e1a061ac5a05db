import { LRUCache } from 'lru-cache'
import { BreakerUnknownDependencyError } from './errors.js'
import { policyParams } from './core/options.js'
import type { PolicyParams, StateChangeEvent } from './core/options.js'
import { createBudget, policyFromParams } from './core/policy.js'
import type { CallOptions, Policy, PolicySnapshot, Work } from './core/policy.js'
import type { RetryBudget } from './core/budget.js'
import type { TimerHeap } from './core/timers.js'
import type { DependencySpec } from './options.js'

/** `fastify.breaker`: call it for a dependency's policy; its properties are operator tools. */
export interface HighloadBreaker {
  /** The policy of `name`, or of its per-key breaker `key` (created on first use, kept in an LRU). */
  (name: string, key?: string): Policy
  /** Snapshots of every dependency's breaker and of every live per-key breaker. */
  states (): PolicySnapshot[]
  /** Holds a breaker open until `reset`. */
  isolate (name: string, key?: string): void
  /** Closes a breaker and clears its window. */
  reset (name: string, key?: string): void
  /** Registered dependency names. */
  readonly names: readonly string[]
}

/** One registered dependency: its policy, its per-key policies, and what they share. */
export class Dependency {
  readonly policy: Policy
  readonly keys: LRUCache<string, Policy>
  readonly #params: PolicyParams
  readonly #budget: RetryBudget | null

  constructor (readonly spec: DependencySpec, timers: TimerHeap, onStateChange: (event: StateChangeEvent) => void) {
    // The layers were validated with the plugin's options; the plugin adds its own heap and
    // logs every transition before the user's callback runs.
    const user = spec.layers.onStateChange
    const params = policyParams(spec.layers, spec.name, timers, user === undefined
      ? onStateChange
      : (event: StateChangeEvent) => { onStateChange(event); user(event) })
    this.#params = params
    // One retry budget per dependency, shared by its per-key breakers.
    this.#budget = createBudget(params)
    this.policy = policyFromParams(params, null, this.#budget)
    this.keys = new LRUCache({ max: spec.maxKeys })
  }

  get (key: string): Policy {
    let p = this.keys.get(key)
    if (p === undefined) {
      p = policyFromParams(this.#params, key, this.#budget)
      this.keys.set(key, p)
    }
    return p
  }
}

/** Builds the `fastify.breaker` decorator over the registered dependencies. */
export function createRegistry (deps: Map<string, Dependency>): HighloadBreaker {
  const names = Object.freeze([...deps.keys()])
  const lookup = (name: string): Dependency => {
    const dep = deps.get(name)
    if (dep === undefined) throw new BreakerUnknownDependencyError(JSON.stringify(name), names.join(', '))
    return dep
  }
  const registry = (name: string, key?: string): Policy => {
    const dep = lookup(name)
    return key === undefined ? dep.policy : dep.get(key)
  }
  registry.states = (): PolicySnapshot[] => {
    const out: PolicySnapshot[] = []
    for (const dep of deps.values()) {
      out.push(dep.policy.snapshot())
      for (const p of dep.keys.values()) out.push(p.snapshot())
    }
    return out
  }
  registry.isolate = (name: string, key?: string): void => { registry(name, key).isolate() }
  registry.reset = (name: string, key?: string): void => { registry(name, key).reset() }
  registry.names = names
  return registry
}

/** Options of a call made through `request.breaker()`: the request supplies signal and deadline. */
export type RequestCallOptions = Omit<CallOptions, 'signal'>

/** What `request.breaker(name, key?)` returns. */
export interface RequestBreaker {
  readonly policy: Policy
  /** Runs `fn` with the route's remaining deadline and the client-disconnect signal. */
  execute<T> (fn: Work<T>, opts?: RequestCallOptions): Promise<T>
}

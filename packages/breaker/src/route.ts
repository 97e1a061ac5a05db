import type { Policy, Work } from './core/policy.js'
import type { RequestBreaker, RequestCallOptions } from './registry.js'

/** Per-request outbound context: the route's deadline and a disconnect signal created on first use. */
export class RequestScope {
  readonly deadline: number
  #controller: AbortController | null = null
  readonly #cancel: boolean

  constructor (deadline: number, cancelOnDisconnect: boolean) {
    this.deadline = deadline
    this.#cancel = cancelOnDisconnect
  }

  get signal (): AbortSignal | undefined {
    if (!this.#cancel) return undefined
    if (this.#controller === null) this.#controller = new AbortController()
    return this.#controller.signal
  }

  /** The client went away: abort the calls in flight (and any made later). */
  abort (): void {
    if (this.#controller === null) this.#controller = new AbortController()
    this.#controller.abort(new DOMException('The client disconnected', 'AbortError'))
  }
}

export class BoundBreaker implements RequestBreaker {
  constructor (readonly policy: Policy, readonly scope: RequestScope | null) {}

  execute<T> (fn: Work<T>, opts?: RequestCallOptions): Promise<T> {
    const scope = this.scope
    if (scope === null) return this.policy.execute(fn, opts)
    const deadline = opts?.deadline
    return this.policy.execute(fn, {
      signal: scope.signal,
      deadline: deadline === undefined || deadline > scope.deadline ? scope.deadline : deadline,
      idempotent: opts?.idempotent
    })
  }
}

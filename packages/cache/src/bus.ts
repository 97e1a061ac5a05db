import type { CacheInvalidationKind } from './events.js'
import type { Client } from './l2.js'

/** An invalidate-only message: never a value, only what to drop. */
interface Message {
  /** Sender's instance id (its own messages are ignored). */
  i: string
  k: CacheInvalidationKind
  /** Keys or tags. */
  x: readonly string[]
}

const KINDS = new Set<string>(['set', 'delete', 'expire', 'tags', 'clear'])

/** Receives another instance's invalidation. */
export type OnBusMessage = (kind: CacheInvalidationKind, items: readonly string[]) => void

/**
 * The invalidation bus over Redis pub/sub, on the subscriber connection. Pub/sub is at-most-once:
 * whenever the subscriber (re)connects, `onReconnect` drops what L1 may have missed.
 */
export class Bus {
  readonly #sub: Client
  readonly #id: string

  constructor (sub: Client, channel: string, id: string, onMessage: OnBusMessage, onReconnect: () => void, onError: (err: unknown) => void) {
    this.#sub = sub
    this.#id = id
    sub.on('ready', onReconnect)
    // The subscriber listens to this one channel only.
    sub.on('message', (_channel: string, text: string) => {
      const m = parse(text)
      if (m !== undefined && m.i !== id) onMessage(m.k, m.x)
    })
    sub.subscribe(channel).catch(onError)
  }

  get state (): 'up' | 'down' {
    return this.#sub.status === 'ready' ? 'up' : 'down'
  }

  encode (kind: CacheInvalidationKind, items: readonly string[]): string {
    const m: Message = { i: this.#id, k: kind, x: items }
    return JSON.stringify(m)
  }
}

/** A message from the channel, or undefined when it is not one of ours. */
function parse (text: string): Message | undefined {
  let m: Partial<Message> | null
  try {
    m = JSON.parse(text) as Partial<Message> | null
  } catch {
    return undefined
  }
  if (typeof m !== 'object' || m === null || typeof m.i !== 'string' || !KINDS.has(m.k as string) ||
    !Array.isArray(m.x) || !m.x.every((x) => typeof x === 'string')) return undefined
  return m as Message
}

import { LRUCache } from 'lru-cache'
import { lastUse, type Entry } from './entry.js'

/** An L1 slot: the entry and when this copy stops being used (`maxTtlMs` bound). */
export interface Slot {
  readonly entry: Entry
  readonly until: number
  /** The entry's value as a settled promise, made on the first hit and handed to every later one. */
  answer: Promise<unknown> | null
}

// Rough per-entry overhead beyond the payload and the key (objects, the LRU's arrays).
const OVERHEAD = 64

/**
 * The in-process tier: lru-cache bounded by items and bytes, with its own expiry check (so it
 * follows Date.now(), as every other time in the cache does) and an index of keys by tag.
 */
export class L1 {
  readonly #lru: LRUCache<string, Slot>
  readonly #maxTtlMs: number
  readonly #byTag = new Map<string, Set<string>>()

  constructor (maxItems: number, maxBytes: number, maxTtlMs: number) {
    this.#maxTtlMs = maxTtlMs
    this.#lru = new LRUCache<string, Slot>({
      max: maxItems,
      maxSize: maxBytes,
      sizeCalculation: (slot, key) => slot.entry.payload.length + key.length * 2 + OVERHEAD,
      dispose: (slot, key) => this.#unindex(slot.entry, key)
    })
  }

  /** The slot of a copy still usable (fresh or in a stale window), else undefined. */
  slot (key: string, now: number): Slot | undefined {
    const slot = this.#lru.get(key)
    if (slot === undefined) return undefined
    if (now >= slot.until) {
      this.#lru.delete(key)
      return undefined
    }
    return slot
  }

  /** The entry when this copy is still usable (fresh or in a stale window), else undefined. */
  get (key: string, now: number): Entry | undefined {
    return this.slot(key, now)?.entry
  }

  set (key: string, entry: Entry, now: number): void {
    const until = Math.min(now + this.#maxTtlMs, lastUse(entry))
    if (until <= now) {
      this.#lru.delete(key)
      return
    }
    this.#lru.set(key, { entry, until, answer: null })
    // lru-cache refuses an entry larger than maxSize (the old one is gone then): index only what is kept.
    if (entry.tags.length > 0 && this.#lru.peek(key)?.entry === entry) {
      for (const tag of entry.tags) {
        let keys = this.#byTag.get(tag)
        if (keys === undefined) this.#byTag.set(tag, keys = new Set())
        keys.add(key)
      }
    }
  }

  delete (key: string): void {
    this.#lru.delete(key)
  }

  /** Drops every entry carrying one of `tags`. */
  deleteTags (tags: readonly string[]): void {
    for (const tag of tags) {
      const keys = this.#byTag.get(tag)
      if (keys === undefined) continue
      for (const key of [...keys]) this.#lru.delete(key)
    }
  }

  clear (): void {
    this.#lru.clear()
  }

  get size (): number {
    return this.#lru.size
  }

  get bytes (): number {
    return this.#lru.calculatedSize
  }

  #unindex (entry: Entry, key: string): void {
    for (const tag of entry.tags) {
      const keys = this.#byTag.get(tag)
      if (keys === undefined) continue
      keys.delete(key)
      if (keys.size === 0) this.#byTag.delete(tag)
    }
  }
}

/** The slot's value as a settled promise: made on the first hit, then the same one for every hit of this copy, so a hit allocates nothing. */
export function answerOf (slot: Slot): Promise<unknown> {
  return (slot.answer ??= Promise.resolve(slot.entry.value))
}

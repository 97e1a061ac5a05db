/**
 * Redis key layout. Every record of one cache key (its entry and its lease) shares a hash tag
 * derived from the key, so the user's own braces never pick the Cluster slot and the key is used
 * verbatim after it (any byte round-trips and no key can reach another key's records).
 */
export class KeyLayout {
  readonly gens: string
  readonly channel: string
  readonly #prefix: string

  constructor (prefix: string) {
    this.#prefix = prefix
    this.gens = prefix + 'gens'
    this.channel = prefix + 'bus'
  }

  entry (key: string): string {
    return `${this.#prefix}{${slotTag(key)}}e:${key}`
  }

  lease (key: string): string {
    return `${this.#prefix}{${slotTag(key)}}l:${key}`
  }
}

/** FNV-1a over the UTF-16 units, in base 36: short, stable, spreads keys over slots. */
export function slotTag (key: string): string {
  let h = 0x811c9dc5
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i)
    h = Math.imul(h, 0x01000193)
  }
  return (h >>> 0).toString(36)
}

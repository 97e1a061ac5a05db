import diagnostics from 'node:diagnostics_channel'

/** Which tier answered (or, for a miss, the last tier asked). */
export type CacheTier = 'l1' | 'l2'

/** `highload:cache:hit`, `:miss` and `:stale`: one per lookup. */
export interface CacheLookupEvent {
  name: string
  tier: CacheTier
  key: string
}

/** What an invalidation touched. */
export type CacheInvalidationKind = 'set' | 'delete' | 'expire' | 'tags' | 'clear'

/** `highload:cache:invalidate`: an invalidation made here (`local`) or received from another instance (`bus`). */
export interface CacheInvalidateEvent {
  name: string
  kind: CacheInvalidationKind
  /** For `set`, `delete`, `expire`. */
  keys?: readonly string[]
  /** For `tags`. */
  tags?: readonly string[]
  source: 'local' | 'bus'
}

/** `highload:cache:collapsed`: a caller joined a load already running for its key. */
export interface CacheCollapsedEvent {
  name: string
  key: string
}

/** `highload:cache:error`: a failed Redis command (`tier: 'l2'`) or loader (`tier: 'loader'`). */
export interface CacheErrorEvent {
  name: string
  tier: 'l2' | 'loader' | 'bus'
  /** `get`, `set`, `lease`, `invalidate`, `load`, `refresh`, `subscribe`. */
  op: string
  /** The error's `code` (`HL_BREAKER_OPEN`, `HL_BREAKER_TIMEOUT`, `ECONNREFUSED`, …), or `ERR` when it has none. */
  code: string
}

export const hitChannel = diagnostics.channel('highload:cache:hit')
export const missChannel = diagnostics.channel('highload:cache:miss')
export const staleChannel = diagnostics.channel('highload:cache:stale')
export const invalidateChannel = diagnostics.channel('highload:cache:invalidate')
export const collapsedChannel = diagnostics.channel('highload:cache:collapsed')
export const errorChannel = diagnostics.channel('highload:cache:error')

/** The `code` an error event carries. */
export function errorCode (err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : 'ERR'
}

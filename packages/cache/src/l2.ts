import { randomBytes } from 'node:crypto'
import { createPolicy, type Policy, type StateChangeEvent } from '@highload/breaker/core'
import type { Cluster, Redis } from 'ioredis'
import { decodeRecord, encodeRecord, expired, lastUse, type Entry } from './entry.js'
import type { KeyLayout } from './keys.js'
import type { CacheCodec, BreakerParams } from './options.js'
import { BUMP, READ, RELEASE, WRITE } from './scripts.js'

/** The commands the cache defines on its own connection (ioredis `defineCommand`). */
interface Scripted {
  hlReadBuffer: (entry: string, gens: string) => Promise<Buffer | null>
  hlWrite: (entry: string, gens: string, px: number, tags: string, body: Buffer) => Promise<number>
  hlBump: (gens: string, ...fields: string[]) => Promise<number>
  hlRelease: (lease: string, token: string) => Promise<number>
}

export type Client = Redis | Cluster
type Command = Client & Scripted

/** What the L2 reports about itself in `status()`. */
export type L2State = 'up' | 'down' | 'open'

/** Failure listener: the operation that failed and the error. */
export type OnL2Error = (op: string, err: unknown) => void

/**
 * The Redis tier. Every command goes through a `@highload/breaker/core` policy with an attempt
 * timeout, on a connection without offline queue or retries: a dead, paused or restarting Redis
 * makes commands fail fast (a miss), never wait. Failures resolve to "nothing" here; callers
 * decide what a failure means.
 */
export class L2 {
  readonly policy: Policy
  readonly #client: Command
  readonly #keys: KeyLayout
  readonly #codec: CacheCodec
  readonly #onError: OnL2Error
  /** On a Cluster the entry and the generation hash live in different slots: no two-key script. */
  readonly #cluster: boolean

  constructor (client: Client, keys: KeyLayout, codec: CacheCodec, name: string, commandTimeoutMs: number,
    breaker: BreakerParams, onError: OnL2Error, onStateChange: (event: StateChangeEvent) => void) {
    client.defineCommand('hlRead', { numberOfKeys: 2, lua: READ })
    client.defineCommand('hlWrite', { numberOfKeys: 2, lua: WRITE })
    client.defineCommand('hlBump', { numberOfKeys: 1, lua: BUMP })
    client.defineCommand('hlRelease', { numberOfKeys: 1, lua: RELEASE })
    this.#client = client as Command
    this.#cluster = (client as { isCluster?: boolean }).isCluster === true
    this.#keys = keys
    this.#codec = codec
    this.#onError = onError
    this.policy = createPolicy({ name: `cache.${name}`, timeoutMs: commandTimeoutMs, breaker: { ...breaker }, onStateChange })
  }

  get state (): L2State {
    const s = this.policy.state
    if (s === 'open' || s === 'isolated') return 'open'
    return this.#client.status === 'ready' ? 'up' : 'down'
  }

  /** Runs one command through the policy; undefined (and an error report) when it fails. */
  async #run<T> (op: string, work: () => Promise<T>): Promise<T | undefined> {
    try {
      return await this.policy.execute(work)
    } catch (err) {
      this.#onError(op, err)
      return undefined
    }
  }

  /** Runs one command through the policy and lets a failure through (the retry queue wants it). */
  async #must<T> (work: () => Promise<T>): Promise<T> {
    return await this.policy.execute(work)
  }

  /** The entry when present and none of its generations moved; undefined on a miss or a failure. */
  async read (key: string): Promise<Entry | undefined> {
    const body = await this.#run('get', this.#cluster
      ? () => this.#clusterRead(key)
      : () => this.#client.hlReadBuffer(this.#keys.entry(key), this.#keys.gens))
    return body == null ? undefined : decodeRecord(this.#codec, body)
  }

  /** The read script's work in two single-slot steps: the record, then its generations. */
  async #clusterRead (key: string): Promise<Buffer | null> {
    const raw = await this.#client.getBuffer(this.#keys.entry(key))
    if (raw === null) return null
    const nl = raw.indexOf(10)
    let meta: [string[], number[]]
    try {
      meta = JSON.parse(raw.subarray(0, nl).toString('utf8')) as [string[], number[]]
    } catch {
      return null
    }
    const current = await this.#client.hmget(this.#keys.gens, '', ...meta[0])
    return meta[1].every((g, i) => Number(current[i] ?? 0) === g) ? raw.subarray(nl + 1) : null
  }

  /**
   * The write script's work in two single-slot steps. A bump between them only stamps an older
   * generation on the record, which then reads as invalid: a miss, never a stale hit.
   */
  async #clusterWrite (key: string, px: number, tags: readonly string[], body: Buffer): Promise<number> {
    const current = await this.#client.hmget(this.#keys.gens, '', ...tags)
    const meta = JSON.stringify([tags, current.map((g) => Number(g ?? 0))])
    await this.#client.set(this.#keys.entry(key), Buffer.concat([Buffer.from(meta + '\n'), body]), 'PX', px)
    return 1
  }

  /** Writes the entry, kept by Redis until its last stale window ends. Resolves false on a failure. */
  async write (key: string, entry: Entry, now: number): Promise<boolean> {
    const px = Math.max(1, Math.ceil(lastUse(entry) - now))
    const done = await this.#run('set', this.#cluster
      ? () => this.#clusterWrite(key, px, entry.tags, encodeRecord(entry))
      : () => this.#client.hlWrite(this.#keys.entry(key), this.#keys.gens, px, JSON.stringify(entry.tags), encodeRecord(entry)))
    return done !== undefined
  }

  async delete (key: string): Promise<void> {
    await this.#must(() => this.#client.del(this.#keys.entry(key)))
  }

  /** Makes the stored entry stale now, keeping its stale windows (read, rewrite, same TTL). */
  async expire (key: string, now: number): Promise<void> {
    const name = this.#keys.entry(key)
    const raw = await this.#must(() => this.#client.getBuffer(name))
    if (raw === null) return
    // Every record the read script accepts has its meta line; the body after it is rewritten.
    const nl = raw.indexOf(10)
    const entry = decodeRecord(this.#codec, raw.subarray(nl + 1))
    if (entry === undefined) return
    const record = Buffer.concat([raw.subarray(0, nl + 1), encodeRecord(expired(entry, now))])
    await this.#must(() => this.#client.set(name, record, 'KEEPTTL', 'XX'))
  }

  /** Bumps generation counters (tags; `''` is the namespace). */
  async bump (fields: readonly string[]): Promise<void> {
    await this.#must(() => this.#client.hlBump(this.#keys.gens, ...fields))
  }

  async publish (message: string): Promise<void> {
    await this.#must(() => this.#client.publish(this.#keys.channel, message))
  }

  /** Tries to take the lease of `key`; resolves its token, or null when someone else holds it or Redis fails. */
  async acquire (key: string, ttlMs: number): Promise<string | null> {
    const token = randomBytes(12).toString('base64url')
    const ok = await this.#run('lease', () => this.#client.set(this.#keys.lease(key), token, 'PX', ttlMs, 'NX'))
    return ok === 'OK' ? token : null
  }

  async release (key: string, token: string): Promise<void> {
    await this.#run('lease', () => this.#client.hlRelease(this.#keys.lease(key), token))
  }

  /** A PING through the policy (the health check). */
  async ping (): Promise<void> {
    await this.#must(() => this.#client.ping())
  }
}

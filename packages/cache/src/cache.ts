import { randomUUID } from 'node:crypto'
import type { StateChangeEvent } from '@highload/breaker/core'
import type { FastifyBaseLogger } from 'fastify'
import { Bus } from './bus.js'
import { connect, disconnect, type Connections } from './connect.js'
import {
  checkKey, expired, jsonCodec, lastUse, makeEntry, roundTrip, VALUE, type Entry
} from './entry.js'
import { CacheClosedError, CacheLoaderTimeoutError } from './errors.js'
import {
  collapsedChannel, errorChannel, errorCode, hitChannel, invalidateChannel, missChannel, staleChannel,
  type CacheInvalidationKind, type CacheTier
} from './events.js'
import { KeyLayout } from './keys.js'
import { L1, answerOf } from './l1.js'
import { L2, type L2State } from './l2.js'
import {
  parseCallOptions, type CacheCallOptions, type CacheCodec, type CacheEntryOptions, type CacheParams
} from './options.js'
import { ignore, RetryQueue } from './queue.js'

/** What a loader receives. */
export interface CacheLoaderContext<T = unknown> {
  key: string
  /** Aborted at `hardTimeoutMs` (reason: `HL_CACHE_LOADER_TIMEOUT`) and when the app closes. */
  signal: AbortSignal
  /** The previous value on a refresh (stale), else undefined. */
  stale: T | undefined
  /** Adapts the entry being produced (`ttlMs: 0` stores nothing). */
  setOptions: (options: CacheEntryOptions) => void
}

/** Produces the value of a missing key. */
export type CacheLoader<T> = (context: CacheLoaderContext<NoInfer<T>>) => T | PromiseLike<T>

/** `fastify.cache.status()`. */
export interface CacheStatus {
  /** `off`: no Redis; `up`; `down`: not connected; `open`: the breaker is open (L1 only). */
  l2: 'off' | L2State
  /** `off`: no Redis; `up`: subscribed; `down`: not connected. */
  bus: 'off' | 'up' | 'down'
  l1: { items: number, bytes: number }
  /** Invalidations waiting to reach Redis. */
  pendingInvalidations: number
}

/** Per-call settings, resolved once per miss. */
interface Call {
  ttlMs: number
  staleWhileRevalidateMs: number
  staleIfErrorMs: number
  negativeTtlMs: number
  softTimeoutMs: number
  hardTimeoutMs: number
  tags: readonly string[]
  lease: boolean
  forceFresh: boolean
}

/** How long an invalidation may take to reach Redis before its caller gets `HL_CACHE_UNAVAILABLE`. */
export const INVALIDATION_DEADLINE_MS = 1000
/** Invalidations kept for retry at most; beyond, the oldest is dropped (and logged). */
export const MAX_PENDING_INVALIDATIONS = 1000
/** `close()` waits this long at most for background refreshes. */
export const CLOSE_WAIT_MS = 2000

/** The lease a call asks for with `lease: true` when the plugin's `lease` is off. */
const DEFAULT_LEASE = Object.freeze({ ttlMs: 10_000, waitMs: 5000 })
const LEASE_POLL_FIRST_MS = 10
const LEASE_POLL_MAX_MS = 200

/** `fastify.cache`: an L1 (lru-cache) over an optional L2 (Redis) with an invalidation bus. */
export class HighloadCache {
  /** The cache's name (events, breaker `cache.<name>`, health check `cache.<name>`). */
  readonly name: string
  readonly #p: CacheParams
  readonly #codec: CacheCodec
  readonly #log: FastifyBaseLogger
  readonly #l1: L1
  readonly #l2: L2 | null = null
  readonly #bus: Bus | null = null
  readonly #queue: RetryQueue | null = null
  readonly #conns: Connections | null = null
  readonly #id = randomUUID()
  readonly #defaults: Call
  readonly #flights = new Map<string, Promise<unknown>>()
  readonly #background = new Set<Promise<unknown>>()
  readonly #refreshing = new Set<string>()
  readonly #waiters = new Map<string, Set<() => void>>()
  readonly #controllers = new Set<AbortController>()
  /** The tier a miss is reported on: the last one asked. */
  readonly #missTier: CacheTier
  #epoch = 0
  #closed = false

  constructor (params: CacheParams, redis: CacheParams['redis'] | undefined, log: FastifyBaseLogger) {
    this.name = params.name
    this.#p = params
    this.#codec = params.codec ?? jsonCodec
    this.#log = log
    this.#l1 = new L1(params.l1.maxItems, params.l1.maxBytes, params.l1.maxTtlMs)
    this.#defaults = {
      ttlMs: params.ttlMs,
      staleWhileRevalidateMs: params.staleWhileRevalidateMs,
      staleIfErrorMs: params.staleIfErrorMs,
      negativeTtlMs: params.negativeTtlMs,
      softTimeoutMs: params.softTimeoutMs ?? Infinity,
      hardTimeoutMs: params.hardTimeoutMs ?? Infinity,
      tags: [],
      lease: params.lease !== null,
      forceFresh: false
    }
    this.#missTier = redis === undefined || redis === false ? 'l1' : 'l2'
    if (redis === undefined || redis === false) return
    const keys = new KeyLayout(params.prefix)
    this.#conns = connect(redis)
    // Connection errors are expected while Redis is down; commands report their own failures.
    this.#conns.command.on('error', () => {})
    this.#conns.subscriber.on('error', () => {})
    this.#l2 = new L2(this.#conns.command, keys, this.#codec, params.name, params.l2.commandTimeoutMs, params.l2.breaker,
      (op, err) => this.#error('l2', op, err), (event) => this.#breakerChanged(event))
    this.#bus = new Bus(this.#conns.subscriber, keys.channel, this.#id,
      (kind, items) => this.#received(kind, items), () => this.#l1.clear(), (err) => this.#error('bus', 'subscribe', err))
    this.#queue = new RetryQueue(MAX_PENDING_INVALIDATIONS, INVALIDATION_DEADLINE_MS,
      (label) => this.#log.warn({ cache: this.name, invalidation: label }, 'cache invalidation dropped: the retry queue is full'))
  }

  /**
   * The fresh value of `key`, else the value `loader` produces (stored in both tiers). One load per
   * key at a time in this process; a Redis failure is a miss, never an error.
   */
  getOrSet<T> (key: string, loader: CacheLoader<T>, options?: CacheCallOptions): Promise<T> {
    if (this.#closed) return Promise.reject(new CacheClosedError())
    try {
      checkKey(key, this.#p.maxKeyBytes)
    } catch (err) {
      return Promise.reject(err)
    }
    if (options?.forceFresh !== true) {
      const now = Date.now()
      const slot = this.#l1.slot(key, now)
      if (slot !== undefined && slot.entry.fresh > now) {
        const e = slot.entry
        // XFetch: refresh early with a probability that grows as expiry nears. -ln(Math.random())
        // never exceeds 37 (its smallest non-zero draw is 2^-53), so far from expiry the draw is skipped.
        const window = e.delta * this.#p.earlyRefreshBeta
        if (window > 0 && e.fresh - now <= window * 37 && now - window * Math.log(Math.random()) >= e.fresh) {
          this.#earlyRefresh(key, loader as CacheLoader<unknown>, options, e)
        }
        if (hitChannel.hasSubscribers) hitChannel.publish({ name: this.name, tier: 'l1', key })
        return answerOf(slot) as Promise<T>
      }
    }
    return this.#miss(key, loader as CacheLoader<unknown>, options) as Promise<T>
  }

  /** The fresh value of `key` from L1 or L2, else undefined. Never loads. */
  async get<T = unknown> (key: string): Promise<T | undefined> {
    this.#open()
    checkKey(key, this.#p.maxKeyBytes)
    const e = this.#l1.get(key, Date.now())
    if (e !== undefined && e.fresh > Date.now()) {
      if (hitChannel.hasSubscribers) hitChannel.publish({ name: this.name, tier: 'l1', key })
      return e.value as T
    }
    const found = await this.#readL2(key)
    if (found !== undefined && found.fresh > Date.now()) {
      if (hitChannel.hasSubscribers) hitChannel.publish({ name: this.name, tier: 'l2', key })
      return found.value as T
    }
    if (missChannel.hasSubscribers) missChannel.publish({ name: this.name, tier: this.#missTier, key })
    return undefined
  }

  /**
   * Stores `value` in both tiers and tells the other instances to drop their copy. Resolves once
   * the L2 write is done or failed (a failed write is retried as a delete in the background).
   */
  async set (key: string, value: unknown, options?: CacheCallOptions): Promise<void> {
    this.#open()
    checkKey(key, this.#p.maxKeyBytes)
    const call = this.#resolve(options)
    await this.#store(key, value, call, undefined, 0, -1, true)
  }

  /** Removes `key` here, in Redis and on every instance. Rejects `HL_CACHE_UNAVAILABLE` when Redis cannot be told in time. */
  async delete (key: string): Promise<void> {
    this.#open()
    checkKey(key, this.#p.maxKeyBytes)
    this.#l1.delete(key)
    this.#invalidated('delete', [key], 'local')
    await this.#deliver('delete', [key], async (l2) => { await l2.delete(key) })
  }

  /** Makes `key` stale now; it is still answered within its stale windows. */
  async expire (key: string): Promise<void> {
    this.#open()
    checkKey(key, this.#p.maxKeyBytes)
    const now = Date.now()
    const e = this.#l1.get(key, now)
    if (e !== undefined) this.#l1.set(key, expired(e, now), now)
    this.#invalidated('expire', [key], 'local')
    await this.#deliver('expire', [key], async (l2) => { await l2.expire(key, Date.now()) })
  }

  /** Invalidates every entry carrying one of `tags`, everywhere (a generation counter per tag). */
  async invalidateTags (tags: readonly string[]): Promise<void> {
    this.#open()
    if (!Array.isArray(tags)) throw new TypeError('invalidateTags expects an array of tags')
    for (const tag of tags) checkKey(tag, this.#p.maxKeyBytes, 'tag')
    if (tags.length === 0) return
    const list = [...new Set(tags)]
    this.#epoch++
    this.#l1.deleteTags(list)
    this.#invalidated('tags', list, 'local')
    const hook = this.#p.onInvalidate
    if (hook !== null) {
      try {
        await hook(list)
      } catch (err) {
        this.#log.error({ err, cache: this.name }, 'cache onInvalidate hook failed')
      }
    }
    await this.#deliver('tags', list, async (l2) => { await l2.bump(list) })
  }

  /** Drops every entry of this cache, everywhere (a namespace generation; no KEYS, SCAN or FLUSH). */
  async clear (): Promise<void> {
    this.#open()
    this.#epoch++
    this.#l1.clear()
    this.#invalidated('clear', [], 'local')
    await this.#deliver('clear', [], async (l2) => { await l2.bump(['']) })
  }

  /** The fresh L1 value of `key`, else undefined. No I/O, no events. */
  peek<T = unknown> (key: string): T | undefined {
    const now = Date.now()
    const e = this.#closed ? undefined : this.#l1.get(key, now)
    return e !== undefined && e.fresh > now ? e.value as T : undefined
  }

  status (): CacheStatus {
    return {
      l2: this.#l2 === null ? 'off' : this.#l2.state,
      bus: this.#bus === null ? 'off' : this.#bus.state,
      l1: { items: this.#l1.size, bytes: this.#l1.bytes },
      pendingInvalidations: this.#queue?.size ?? 0
    }
  }

  /**
   * Route caching (internal): the usable entry of `key`, fresh or stale, from L1 or L2, with the
   * lookup events. Never loads; a Redis failure is a miss.
   * @internal
   */
  async entryOf (key: string): Promise<{ entry: Entry, tier: CacheTier } | undefined> {
    this.#open()
    const local = this.#l1.get(key, Date.now())
    let found: { entry: Entry, tier: CacheTier } | undefined = local === undefined ? undefined : { entry: local, tier: 'l1' }
    if (found === undefined || found.entry.fresh <= Date.now()) {
      const remote = await this.#readL2(key)
      // L2 is the shared truth: its entry wins over an L1 copy that is not fresh.
      if (remote !== undefined) found = { entry: remote, tier: 'l2' }
    }
    const channel = found === undefined ? missChannel : found.entry.fresh > Date.now() ? hitChannel : staleChannel
    if (channel.hasSubscribers) channel.publish({ name: this.name, tier: found?.tier ?? this.#missTier, key })
    return found
  }

  /**
   * Route caching (internal): stores a response in both tiers, with explicit timing and tags.
   * @internal
   */
  async storeEntry (key: string, value: unknown, timing: { ttlMs: number, staleWhileRevalidateMs: number, staleIfErrorMs: number, tags: readonly string[] }): Promise<void> {
    this.#open()
    for (const tag of timing.tags) checkKey(tag, this.#p.maxKeyBytes, 'tag')
    await this.#store(key, value, { ...this.#defaults, ...timing }, undefined, 0, -1, false)
  }

  /** PING through the L2 policy; throws while Redis does not answer or the bus is down. */
  async check (): Promise<void> {
    if (this.#l2 === null) return
    await this.#l2.ping()
    if (this.#bus?.state !== 'up') throw new Error('the cache invalidation bus is not connected')
  }

  /** Stops: later calls reject `HL_CACHE_CLOSED`; refreshes get up to 2 s; connections close at once. */
  async close (): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (this.#background.size > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        Promise.allSettled([...this.#background]),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, CLOSE_WAIT_MS).unref() })
      ])
      clearTimeout(timer)
    }
    for (const controller of this.#controllers) controller.abort(new CacheClosedError())
    for (const waiters of this.#waiters.values()) for (const wake of [...waiters]) wake()
    this.#queue?.close()
    if (this.#conns !== null) disconnect(this.#conns)
    this.#l1.clear()
  }

  #open (): void {
    if (this.#closed) throw new CacheClosedError()
  }

  #resolve (options: CacheCallOptions | undefined): Call {
    if (options === undefined) return this.#defaults
    const o = parseCallOptions(options)
    const d = this.#defaults
    const tags = o.tags ?? d.tags
    for (const tag of tags) checkKey(tag, this.#p.maxKeyBytes, 'tag')
    return {
      ttlMs: o.ttlMs ?? d.ttlMs,
      staleWhileRevalidateMs: o.staleWhileRevalidateMs ?? d.staleWhileRevalidateMs,
      staleIfErrorMs: o.staleIfErrorMs ?? d.staleIfErrorMs,
      negativeTtlMs: o.negativeTtlMs ?? d.negativeTtlMs,
      softTimeoutMs: o.softTimeoutMs ?? d.softTimeoutMs,
      hardTimeoutMs: o.hardTimeoutMs ?? d.hardTimeoutMs,
      tags,
      lease: o.lease ?? d.lease,
      forceFresh: o.forceFresh ?? false
    }
  }

  async #miss (key: string, loader: CacheLoader<unknown>, options: CacheCallOptions | undefined): Promise<unknown> {
    const call = this.#resolve(options)
    const running = this.#flights.get(key)
    if (running !== undefined && !call.forceFresh) {
      if (collapsedChannel.hasSubscribers) collapsedChannel.publish({ name: this.name, key })
      return await running
    }
    const flight = this.#lookup(key, loader, call)
    this.#flights.set(key, flight)
    try {
      return await flight
    } finally {
      if (this.#flights.get(key) === flight) this.#flights.delete(key)
    }
  }

  /** L1 stale, then L2, then stale-while-revalidate, then the loader. Runs once per key at a time. */
  async #lookup (key: string, loader: CacheLoader<unknown>, call: Call): Promise<unknown> {
    let tier: CacheTier = 'l1'
    let stale: Entry | undefined
    if (!call.forceFresh) {
      stale = this.#l1.get(key, Date.now())
      // A refresh is already running: answer the stale copy without asking Redis.
      if (stale !== undefined && stale.swr > Date.now() && this.#refreshing.has(key)) return this.#answerStale(key, stale, 'l1')
      if (this.#l2 !== null) {
        const found = await this.#readL2(key)
        if (found !== undefined) {
          if (found.fresh > Date.now()) {
            if (hitChannel.hasSubscribers) hitChannel.publish({ name: this.name, tier: 'l2', key })
            return found.value
          }
          if (stale === undefined || found.fresh > stale.fresh) {
            stale = found
            tier = 'l2'
          }
        }
      }
      if (stale !== undefined && stale.swr > Date.now()) {
        this.#refresh(key, loader, call, stale)
        return this.#answerStale(key, stale, tier)
      }
    }
    if (missChannel.hasSubscribers) missChannel.publish({ name: this.name, tier: this.#missTier, key })
    return await this.#load(key, loader, call, stale)
  }

  /** An L2 read; a usable entry is copied into L1. */
  async #readL2 (key: string): Promise<Entry | undefined> {
    if (this.#l2 === null) return undefined
    const found = await this.#l2.read(key)
    const now = Date.now()
    if (found === undefined || lastUse(found) <= now) return undefined
    this.#l1.set(key, found, now)
    return found
  }

  #answerStale (key: string, stale: Entry, tier: CacheTier): unknown {
    if (staleChannel.hasSubscribers) staleChannel.publish({ name: this.name, tier, key })
    return stale.value
  }

  #earlyRefresh (key: string, loader: CacheLoader<unknown>, options: CacheCallOptions | undefined, current: Entry): void {
    if (this.#flights.has(key)) return // a load of this key is already running
    let call: Call
    try {
      call = this.#resolve(options)
    } catch {
      return // the caller's options are invalid: its next miss reports it
    }
    this.#refresh(key, loader, call, current)
  }

  /** One background load per key; the caller has already been answered. */
  #refresh (key: string, loader: CacheLoader<unknown>, call: Call, stale: Entry): void {
    if (this.#refreshing.has(key) || this.#closed) return
    this.#refreshing.add(key)
    const run = this.#load(key, loader, call, stale, true).then(
      () => {},
      (err: unknown) => {
        this.#error('loader', 'refresh', err)
        this.#log.warn({ err, cache: this.name }, 'cache background refresh failed')
      }
    ).finally(() => this.#refreshing.delete(key))
    this.#track(run)
  }

  #track (promise: Promise<unknown>): void {
    this.#background.add(promise)
    promise.finally(() => this.#background.delete(promise)).catch(ignore) // tracked promises never reject
  }

  /** Takes the lease when asked to (or waits for its holder's value), then runs the loader. */
  async #load (key: string, loader: CacheLoader<unknown>, call: Call, stale: Entry | undefined, background = false): Promise<unknown> {
    const l2 = this.#l2
    let token: string | null = null
    if (call.lease && l2 !== null && l2.state === 'up') {
      const lease = this.#p.lease ?? DEFAULT_LEASE
      token = await l2.acquire(key, lease.ttlMs)
      if (token === null && l2.state === 'up') {
        const found = await this.#awaitHolder(key, lease.waitMs)
        if (found !== undefined) return found.value
        if (this.#closed) throw new CacheClosedError()
      }
    }
    try {
      return await this.#runLoader(key, loader, call, stale, background)
    } finally {
      if (token !== null) l2?.release(key, token).catch(ignore) // release reports its own failures
    }
  }

  /** Someone else holds the lease: watch the bus and L2 for its value, up to `waitMs`. */
  async #awaitHolder (key: string, waitMs: number): Promise<Entry | undefined> {
    const deadline = Date.now() + waitMs
    let delay = LEASE_POLL_FIRST_MS
    let waiters = this.#waiters.get(key)
    if (waiters === undefined) this.#waiters.set(key, waiters = new Set())
    try {
      while (!this.#closed) {
        const left = deadline - Date.now()
        if (left <= 0) return undefined
        await new Promise<void>((resolve) => {
          const timer = setTimeout(wake, Math.min(delay, left)).unref()
          function wake (): void {
            clearTimeout(timer)
            ;(waiters as Set<() => void>).delete(wake)
            resolve()
          }
          ;(waiters as Set<() => void>).add(wake)
        })
        delay = Math.min(delay * 2, LEASE_POLL_MAX_MS)
        const found = await this.#readL2(key)
        if (found !== undefined && found.fresh > Date.now()) return found
      }
      return undefined
    } finally {
      if (waiters.size === 0) this.#waiters.delete(key)
    }
  }

  /** Runs the loader with its timeouts and stale fallbacks; stores what it returns. */
  #runLoader (key: string, loader: CacheLoader<unknown>, call: Call, stale: Entry | undefined, background: boolean): Promise<unknown> {
    const epoch = this.#epoch
    const controller = new AbortController()
    this.#controllers.add(controller)
    let adapted: CacheEntryOptions | undefined
    let timedOut = false
    const context: CacheLoaderContext = {
      key,
      signal: controller.signal,
      stale: stale?.value,
      setOptions: (options) => { adapted = { ...adapted, ...parseEntryOptions(options) } }
    }
    const start = Date.now()
    let produced: Promise<unknown>
    try {
      produced = Promise.resolve(loader(context))
    } catch (err) {
      produced = Promise.reject(err)
    }
    const stored = produced.then((value) => {
      if (timedOut) throw controller.signal.reason
      return this.#store(key, value, call, adapted, Date.now() - start, epoch, false)
    })
    const usable = stale !== undefined && !background
    const soft = usable && call.softTimeoutMs !== Infinity
    const hard = call.hardTimeoutMs !== Infinity
    return new Promise((resolve, reject) => {
      let settled = false
      let softTimer: NodeJS.Timeout | undefined
      let hardTimer: NodeJS.Timeout | undefined
      const done = (): boolean => {
        if (settled) return false
        settled = true
        clearTimeout(softTimer)
        return true
      }
      const failed = (err: unknown): void => {
        if (!done()) return
        if (usable && stale.sie > Date.now()) {
          this.#error('loader', 'load', err)
          resolve(this.#answerStale(key, stale, 'l1'))
        } else {
          reject(err)
        }
      }
      if (soft) {
        softTimer = setTimeout(() => {
          if (done()) resolve(this.#answerStale(key, stale, 'l1'))
        }, call.softTimeoutMs).unref()
      }
      // A hard timeout or close() aborts the signal: the caller is answered even if the loader ignores it.
      controller.signal.addEventListener('abort', () => {
        timedOut = true
        failed(controller.signal.reason)
      })
      if (hard) {
        hardTimer = setTimeout(() => controller.abort(new CacheLoaderTimeoutError(call.hardTimeoutMs)), call.hardTimeoutMs).unref()
      }
      const finish = stored.then(
        (value) => { if (done()) resolve(value) },
        (err: unknown) => { failed(err) }
      ).finally(() => {
        clearTimeout(hardTimer)
        this.#controllers.delete(controller)
      })
      // After a soft timeout the load goes on: close() waits for it like any refresh.
      if (soft) this.#track(finish)
    })
  }

  /**
   * Encodes once (the caller, L1 and L2 get the decoded shape), stores in L1 then L2, and tells the
   * other instances. `epoch` is the invalidation count when the load began: a tag invalidation or a
   * clear during the load means the value may predate it, so it is answered but not stored.
   */
  async #store (key: string, value: unknown, call: Call, adapted: CacheEntryOptions | undefined, delta: number, epoch: number, explicit: boolean): Promise<unknown> {
    const shaped = roundTrip(this.#codec, key, value, this.#p.l2.maxValueBytes)
    const timing = adapted === undefined ? call : { ...call, ...definedOnly(adapted) }
    const ttlMs = shaped.kind === VALUE ? timing.ttlMs : (adapted?.ttlMs ?? call.negativeTtlMs)
    if (ttlMs <= 0 || this.#closed || (epoch !== -1 && epoch !== this.#epoch)) {
      if (explicit) this.#l1.delete(key)
      return shaped.value
    }
    const tags = adapted?.tags ?? call.tags
    if (adapted?.tags !== undefined) for (const tag of tags) checkKey(tag, this.#p.maxKeyBytes, 'tag')
    const jittered = shaped.kind === VALUE ? ttlMs * (1 - this.#p.jitter * Math.random()) : ttlMs
    const now = Date.now()
    const entry = makeEntry(shaped.value, shaped.payload, shaped.kind, timing, jittered, tags, delta, now)
    this.#l1.set(key, entry, now)
    const l2 = this.#l2
    if (l2 !== null) {
      const written = await l2.write(key, entry, now)
      // The other instances drop their copy; after a failed write, the old L2 record goes too.
      this.#deliver('set', [key], async (l2) => { if (!written) await l2.delete(key) })
        .catch(ignore) // retried in the background; nobody waits for it
    }
    if (explicit) this.#invalidated('set', [key], 'local')
    return shaped.value
  }

  /** Runs an invalidation against Redis (then publishes it) through the retry queue. */
  #deliver (kind: CacheInvalidationKind, items: readonly string[], work: (l2: L2) => Promise<void>): Promise<void> {
    const l2 = this.#l2
    const queue = this.#queue
    const bus = this.#bus
    if (l2 === null || queue === null || bus === null) return Promise.resolve()
    const message = bus.encode(kind, items)
    return queue.submit(kind, async () => {
      await work(l2)
      await l2.publish(message)
    })
  }

  /** Another instance's invalidation. */
  #received (kind: CacheInvalidationKind, items: readonly string[]): void {
    if (kind === 'clear') {
      this.#epoch++
      this.#l1.clear()
    } else if (kind === 'tags') {
      this.#epoch++
      this.#l1.deleteTags(items)
    } else {
      for (const key of items) {
        this.#l1.delete(key)
        const waiters = this.#waiters.get(key)
        if (waiters !== undefined) for (const wake of [...waiters]) wake()
      }
    }
    this.#invalidated(kind, items, 'bus')
  }

  #invalidated (kind: CacheInvalidationKind, items: readonly string[], source: 'local' | 'bus'): void {
    if (!invalidateChannel.hasSubscribers) return
    const event = kind === 'tags'
      ? { name: this.name, kind, tags: items, source }
      : kind === 'clear' ? { name: this.name, kind, source } : { name: this.name, kind, keys: items, source }
    invalidateChannel.publish(event)
  }

  #error (tier: 'l2' | 'loader' | 'bus', op: string, err: unknown): void {
    if (errorChannel.hasSubscribers) errorChannel.publish({ name: this.name, tier, op, code: errorCode(err) })
  }

  #breakerChanged (event: StateChangeEvent): void {
    if (event.to === 'open') this.#log.warn({ cache: this.name, openMs: event.openMs }, 'cache Redis breaker opened: serving L1 only')
    else if (event.to === 'closed') this.#log.info({ cache: this.name }, 'cache Redis breaker closed: L2 is back')
  }
}

function parseEntryOptions (options: CacheEntryOptions): CacheEntryOptions {
  const o = parseCallOptions(options)
  if (o.negativeTtlMs !== undefined || o.softTimeoutMs !== undefined || o.hardTimeoutMs !== undefined || o.lease !== undefined || o.forceFresh !== undefined) {
    throw new TypeError('setOptions accepts ttlMs, staleWhileRevalidateMs, staleIfErrorMs and tags only')
  }
  const out: CacheEntryOptions = {}
  if (o.ttlMs !== undefined) out.ttlMs = o.ttlMs
  if (o.staleWhileRevalidateMs !== undefined) out.staleWhileRevalidateMs = o.staleWhileRevalidateMs
  if (o.staleIfErrorMs !== undefined) out.staleIfErrorMs = o.staleIfErrorMs
  if (o.tags !== undefined) out.tags = o.tags
  return out
}

function definedOnly (o: CacheEntryOptions): Partial<Call> {
  const out: Partial<Call> = {}
  if (o.ttlMs !== undefined) out.ttlMs = o.ttlMs
  if (o.staleWhileRevalidateMs !== undefined) out.staleWhileRevalidateMs = o.staleWhileRevalidateMs
  if (o.staleIfErrorMs !== undefined) out.staleIfErrorMs = o.staleIfErrorMs
  return out
}

import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import diagnostics from 'node:diagnostics_channel'
import cache, { HighloadCache, type FastifyHighloadCacheOptions } from '../src/index.js'
import { parseOptions } from '../src/options.js'

interface T {
  teardown: (fn: () => unknown) => void
}

/** A fresh app with the cache registered and ready; closed at the test's teardown. */
export async function build (t: T, options: FastifyHighloadCacheOptions = {}, setup?: (app: FastifyInstance) => void | Promise<void>): Promise<FastifyInstance> {
  const app = Fastify()
  t.teardown(() => app.close())
  if (setup !== undefined) await setup(app)
  await app.register(cache, options)
  await app.ready()
  return app
}

/** Waits (bounded) until the app's cache reports L2 and the bus up. */
export async function connected (app: FastifyInstance): Promise<void> {
  const { waitUntil } = await import('@highload/testing')
  await waitUntil(() => { const s = app.cache.status(); return s.l2 === 'up' && s.bus === 'up' }, 'L2 and bus up')
}

/** A plain client for inspecting Redis from a test. */
export function client (t: T, url: string): Redis {
  const redis = new Redis(url)
  t.teardown(() => redis.disconnect())
  return redis
}

/** Records every command Redis runs (MONITOR), to prove what the cache never sends. */
export async function monitor (t: T, url: string): Promise<string[]> {
  const redis = new Redis(url)
  const seen: string[] = []
  const m = await redis.monitor()
  m.on('monitor', (_time: string, args: string[]) => { seen.push(String(args[0]).toUpperCase()) })
  t.teardown(() => { m.disconnect(); redis.disconnect() })
  return seen
}

let n = 0
/** A prefix no other test of the file uses. */
export function prefix (): string {
  return `t${process.pid}:${n++}:`
}

/** A logger that keeps what it is given. */
export function logger (): { log: import('fastify').FastifyBaseLogger, lines: Array<{ level: string, obj: unknown, msg: unknown }> } {
  const lines: Array<{ level: string, obj: unknown, msg: unknown }> = []
  const at = (level: string) => (obj: unknown, msg?: unknown) => { lines.push({ level, obj, msg }) }
  const log = {
    level: 'info',
    fatal: at('fatal'),
    error: at('error'),
    warn: at('warn'),
    info: at('info'),
    debug: at('debug'),
    trace: at('trace'),
    silent: () => {},
    child: () => log
  }
  return { log: log as unknown as import('fastify').FastifyBaseLogger, lines }
}

/** A cache without Fastify (L1 only unless `redis` is given), closed at teardown. */
export function standalone (t: T, options: FastifyHighloadCacheOptions = {}): { cache: HighloadCache, lines: ReturnType<typeof logger>['lines'] } {
  const { log, lines } = logger()
  const params = parseOptions(options)
  const cache = new HighloadCache(params, params.redis, log)
  t.teardown(() => cache.close())
  return { cache, lines }
}

/** Collects the messages of one diagnostics channel while the test runs. */
export function listen<E> (t: T, event: string): E[] {
  const seen: E[] = []
  const fn = (message: unknown): void => { seen.push(message as E) }
  diagnostics.subscribe(`highload:cache:${event}`, fn)
  t.teardown(() => diagnostics.unsubscribe(`highload:cache:${event}`, fn))
  return seen
}

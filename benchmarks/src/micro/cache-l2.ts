import Fastify, { type FastifyInstance } from 'fastify'
import { Redis } from 'ioredis'
import cache from '@highload/cache'
import { startRedis, type RedisServer } from '@highload/testing'
import type { MicroSuite } from './types.js'

// An L2 hit: the value is in Redis and not in process memory. @highload/cache keeps one L1 item,
// and the calls cycle through KEYS keys, so every lookup misses L1 and is answered by one Redis
// round trip (the value and its tags' generations read together). The baseline is what a hand-written
// cache does: an ioredis GET of the same JSON and a JSON.parse. 1 call, then 64 calls in flight.
const KEYS = 1000
const VALUE = { id: 42, name: 'kettle', price: 1999, tags: ['kitchen', 'steel'] }
const loader = async (): Promise<never> => { throw new Error('the loader must not run: every key is in Redis') }

let server: RedisServer | null = null
let raw: Redis | null = null
let app: FastifyInstance | null = null
let next = 0

const key = (): string => `p:${(next++ % KEYS)}`
const rawGet = async (k: string): Promise<unknown> => JSON.parse((await (raw as Redis).get(`raw:${k}`)) as string)
const hlGet = (k: string): Promise<unknown> => (app as FastifyInstance).cache.getOrSet(k, loader)

const suite: MicroSuite = {
  name: 'cache-l2',
  description: 'An L2 (Redis) hit on loopback: an ioredis 6 GET plus JSON.parse (baseline) against @highload/cache ' +
    '`getOrSet` with L1 holding one item while the calls cycle through 1,000 keys, so every call is answered by Redis. ' +
    'One call at a time, and 64 in flight (ns per call of the batch).',
  baseline: 'ioredis GET + JSON.parse',
  setup: async () => {
    server = await startRedis({ reuseExternal: false })
    raw = new Redis(server.url)
    app = Fastify({ logger: false })
    await app.register(cache, { redis: server.url, health: false, earlyRefreshBeta: 0, jitter: 0, ttlMs: 3_600_000, l1: { maxItems: 1, maxTtlMs: 3_600_000 } })
    await app.ready()
    for (let i = 0; i < KEYS; i++) {
      await raw.set(`raw:p:${i}`, JSON.stringify(VALUE))
      await app.cache.set(`p:${i}`, VALUE)
    }
  },
  teardown: async () => {
    await app?.close()
    raw?.disconnect()
    await server?.close()
  },
  tasks: {
    'ioredis GET + JSON.parse': () => rawGet(key()),
    '@highload/cache getOrSet (L2 hit)': () => hlGet(key()),
    'ioredis GET + JSON.parse, 64 in flight': () => Promise.all(Array.from({ length: 64 }, () => rawGet(key()))),
    '@highload/cache getOrSet (L2 hit), 64 in flight': () => Promise.all(Array.from({ length: 64 }, () => hlGet(key())))
  }
}

export default suite

import { BentoCache, bentostore } from 'bentocache'
import { memoryDriver } from 'bentocache/drivers/memory'
import { createCache } from 'cache-manager'
import Fastify, { type FastifyInstance } from 'fastify'
import { LRUCache } from 'lru-cache'
import cache from '@highload/cache'
import type { MicroSuite } from './types.js'

// An L1 hit: every library holds the key in process memory and answers without I/O. The baseline
// is the floor any of them can reach through an await: a raw lru-cache get.
const KEY = 'product:42'
const VALUE = { id: 42, name: 'kettle', price: 1999, tags: ['kitchen', 'steel'] }
const loader = async (): Promise<typeof VALUE> => VALUE

const lru = new LRUCache<string, typeof VALUE>({ max: 10_000 })
lru.set(KEY, VALUE)
const manager = createCache({ ttl: 60_000 })
const bento = new BentoCache({ default: 'memory', stores: { memory: bentostore().useL1Layer(memoryDriver({ maxItems: 10_000 })) } })
let app: FastifyInstance | null = null

function highload (): FastifyInstance['cache'] {
  return (app as FastifyInstance).cache
}

const suite: MicroSuite = {
  name: 'cache',
  description: 'An L1 hit through `await`, with the key already cached: a raw lru-cache 11 `get` (baseline), ' +
    '@highload/cache `getOrSet` (L1 only, no Redis), cache-manager 7 `wrap` (Keyv memory store) and ' +
    'bentocache 1.6 `getOrSet` (memory L1). Each call passes a loader that is never run.',
  baseline: 'lru-cache get (await)',
  setup: async () => {
    app = Fastify({ logger: false })
    await app.register(cache, { redis: false, health: false, earlyRefreshBeta: 0 })
    await app.ready()
    await highload().set(KEY, VALUE)
    await manager.set(KEY, VALUE)
    await bento.set({ key: KEY, value: VALUE })
  },
  teardown: async () => {
    await app?.close()
    await bento.disconnectAll()
  },
  tasks: {
    'lru-cache get (await)': async () => lru.get(KEY),
    '@highload/cache getOrSet (L1 hit)': () => highload().getOrSet(KEY, loader),
    'cache-manager wrap (memory)': () => manager.wrap(KEY, loader),
    'bentocache getOrSet (memory L1)': () => bento.getOrSet({ key: KEY, factory: loader })
  },
  maxOverheadNs: {
    // issue 13: an L1 hit getOrSet at most 250 ns, against 175 ns for the awaited raw get
    '@highload/cache getOrSet (L1 hit)': 75
  }
}

export default suite

import cache from '@highload/cache'
import { quietFastify } from '../hello.js'
import type { HttpScenario } from '../types.js'

/** The constant both sides answer: a small product document. */
const BODY = { id: 1, name: 'kettle', priceCents: 2999, tags: ['kitchen', 'electric'] }

const scenario: HttpScenario = {
  name: 'cache-route',
  description: 'GET /cached from @highload/cache route caching (L1 only, `redis: false`; `config.cache.ttlMs` 60 s, so every ' +
    'measured request is a hit answered with Age, ETag, Cache-Control and Cache-Status) vs a bare Fastify route returning ' +
    'the same constant JSON. The target of issue #13: a cached route costs at most 10% of a bare constant route.',
  request: { path: '/cached' },
  baseline: {
    label: 'bare constant route',
    build: () => quietFastify().get('/cached', async () => BODY)
  },
  candidate: {
    label: '@highload/cache L1 hit',
    build: async () => {
      const app = quietFastify()
      // Registered before the route: route caching is added in onRoute.
      await app.register(cache, { redis: false })
      return app.get('/cached', { config: { cache: { ttlMs: 60_000 } } }, async () => BODY)
    }
  },
  minRatio: 0.9
}

export default scenario

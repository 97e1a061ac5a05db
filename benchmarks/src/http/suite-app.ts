// The "suite" scenarios: the plugins composed as examples/server composes them (src/app.ts there),
// against bare Fastify serving the same routes. Every row of the suite table is built here, so two
// rows differ only in the plugins they register.
import rateLimit from '@fastify/rate-limit'
import breaker from '@highload/breaker'
import cache from '@highload/cache'
import health, { eventLoopCheck, memoryCheck } from '@highload/health'
import metrics from '@highload/metrics'
import shutdown from '@highload/shutdown'
import type { FastifyInstance } from 'fastify'
import { quietFastify } from './hello.js'
import type { HttpRequestSpec, HttpScenario } from './types.js'

/** The plugins, in the order examples/server registers them. */
export const SUITE_PLUGINS = ['shutdown', 'rate-limit', 'metrics', 'health', 'breaker', 'cache'] as const
export type SuitePlugin = (typeof SUITE_PLUGINS)[number]

/**
 * The request mix, sent in turn on each connection: the hello route, the route that calls a
 * dependency through the breaker, and the cached product route; a third of the load each.
 */
export const SUITE_REQUESTS: readonly HttpRequestSpec[] = [{ path: '/' }, { path: '/quote' }, { path: '/products/1' }]

/** What the dependency answers, at once: the work function resolves without I/O. */
const QUOTE = { symbol: 'HL', priceCents: 4200 }
const quote = async (): Promise<typeof QUOTE> => QUOTE

const PRODUCTS = new Map([[1, { id: 1, name: 'kettle', priceCents: 2999 }]])

type Registrar = (app: FastifyInstance) => Promise<void>

// Each as examples/server registers it, except where a benchmark needs otherwise (said inline).
const REGISTER: Record<SuitePlugin, Registrar> = {
  shutdown: async (app) => { await app.register(shutdown) },
  // The in-memory store. The example allows 100 requests a minute per client; every request here
  // comes from 127.0.0.1, so the limit is set out of reach: the row measures the counting, not 429s.
  'rate-limit': async (app) => { await app.register(rateLimit, { max: 1_000_000_000, timeWindow: 60_000 }) },
  metrics: async (app) => {
    await app.register(metrics, {
      slos: [
        { name: 'availability', target: 0.999, sli: { kind: 'availability' } },
        { name: 'latency', target: 0.99, sli: { kind: 'latency', thresholdMs: 300 } }
      ]
    })
  },
  health: async (app) => {
    await app.register(health)
    app.health.addCheck(eventLoopCheck())
    app.health.addCheck(memoryCheck())
  },
  breaker: async (app) => {
    await app.register(breaker, {
      dependencies: {
        // The example's settings, less its classifyResult, which judges an HTTP Response: the work
        // here resolves a plain object and never fails.
        upstream: {
          timeoutMs: 1000,
          breaker: { windowSize: 20, minimumCalls: 5, failureRateThreshold: 50, openMs: 5000 }
        }
      }
    })
  },
  // L1 only, as the example runs without REDIS_URL.
  cache: async (app) => { await app.register(cache, { redis: false }) }
}

/** The routes of SUITE_REQUESTS, on whatever plugins are registered; the same config either way. */
function suiteRoutes (app: FastifyInstance): FastifyInstance {
  app.get('/', async () => ({ hello: 'world' }))
  // The example's outbound route: a 2 s deadline, the call made through the `upstream` breaker
  // when it is registered, the same work function called directly when not.
  const viaBreaker = app.hasRequestDecorator('breaker')
  app.get('/quote', { config: { breaker: { deadlineMs: 2000 } } }, async (request) =>
    viaBreaker ? await request.breaker('upstream').execute(quote) : await quote())
  // The example's cached product route (its cache settings, its params schema).
  app.get<{ Params: { id: number } }>('/products/:id', {
    schema: { params: { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } } },
    config: { cache: { ttlMs: 30_000, staleWhileRevalidateMs: 60_000, tags: (request) => [`product:${(request.params as { id: number }).id}`] } }
  }, async (request, reply) => {
    const product = PRODUCTS.get(request.params.id)
    if (product === undefined) return reply.code(404).send({ error: 'not found' })
    return product
  })
  return app
}

/** An app with `plugins` registered in the example's order, then the suite's routes. */
export async function buildSuiteApp (plugins: readonly SuitePlugin[]): Promise<FastifyInstance> {
  const app = quietFastify()
  for (const name of SUITE_PLUGINS) {
    if (plugins.includes(name)) await REGISTER[name](app)
  }
  return suiteRoutes(app)
}

export interface SuiteScenarioOptions {
  name: string
  /** What the row shows, for the description. */
  what: string
  label: string
  plugins: readonly SuitePlugin[]
  minRatio?: number
}

/** A scenario of the suite table: bare Fastify with the suite's routes vs the same with `plugins`. */
export function suiteScenario (o: SuiteScenarioOptions): HttpScenario {
  return {
    name: o.name,
    description: `${o.what} vs bare Fastify serving the same routes; each connection sends ` +
      '`GET /` (hello), `GET /quote` (a dependency call, through the breaker when it is registered) and ' +
      '`GET /products/1` (cached when the cache is registered) in turn. Plugins registered as examples/server registers them.',
    request: SUITE_REQUESTS,
    baseline: { label: 'bare Fastify, same routes', build: () => buildSuiteApp([]) },
    candidate: { label: o.label, build: () => buildSuiteApp(o.plugins) },
    ...(o.minRatio === undefined ? {} : { minRatio: o.minRatio })
  }
}

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import rateLimit from '@fastify/rate-limit'
import shutdown, { type FastifyHighloadShutdownOptions } from '@highload/shutdown'
import metrics from '@highload/metrics'
import health, { eventLoopCheck, memoryCheck } from '@highload/health'
import breaker from '@highload/breaker'
import cache from '@highload/cache'
import replicas from '@highload/replicas'
import type { ServerConfig } from './config.js'
import { notesRoutes } from './notes.js'
import { productRoutes } from './products.js'

export interface AppOptions {
  config: ServerConfig
  /** Fastify server options (logger and so on). */
  fastify?: FastifyServerOptions
  /**
   * Extra @highload/shutdown options. In-process tests pass `{ signals: [], crashEvents: [] }`
   * so the app never installs process listeners or exits the test runner.
   */
  shutdown?: FastifyHighloadShutdownOptions
}

/**
 * Builds the example application without listening, so tests can `inject()` into exactly what
 * `server.ts` runs. The registration order matters and is part of the example:
 * 1. shutdown first, so it sees every onClose hook registered after it and can name a stuck one;
 * 2. rate-limit before any route, so its onRoute hook sees every route (probe routes opt out
 *    with `config.rateLimit: false`, which only works when the limiter sees them);
 * 3. metrics before any route it measures: per-route recording state is built in onRoute
 *    (probe routes opt out with `config.metrics: false`);
 * 4. health, whose probes must stay reachable while the app is rate limited or draining;
 * 5. breaker, which adds one health check per dependency once the app is ready (any order works);
 * 6. replicas, when DATABASE_URL is set: one health check per node, none critical, so a database
 *    outage does not take every instance out of rotation (reads keep going to the replicas);
 * 7. cache, before the routes it caches (route caching is added in onRoute) and after metrics, so a
 *    response answered from the cache is still measured; Redis (L2 and the invalidation bus) when
 *    REDIS_URL is set, else in-process only;
 * 8. the application routes.
 */
export async function buildApp (opts: AppOptions): Promise<FastifyInstance> {
  const { config } = opts
  const app = Fastify({ ...opts.fastify })

  await app.register(shutdown, {
    ...(config.drainDelayMs === undefined ? {} : { drainDelayMs: config.drainDelayMs }),
    ...opts.shutdown
  })
  await app.register(rateLimit, { max: config.rateLimitMax, timeWindow: config.rateLimitWindowMs })
  await app.register(metrics, {
    slos: [
      { name: 'availability', target: 0.999, sli: { kind: 'availability' } },
      { name: 'latency', target: 0.99, sli: { kind: 'latency', thresholdMs: 300 } }
    ]
  })
  await app.register(health)
  app.health.addCheck(eventLoopCheck())
  app.health.addCheck(memoryCheck())

  await app.register(breaker, {
    dependencies: {
      // Small numbers so the example trips quickly when its upstream fails; production
      // settings would use a larger window.
      upstream: {
        timeoutMs: 1000,
        breaker: { windowSize: 20, minimumCalls: 5, failureRateThreshold: 50, openMs: 5000 },
        classifyResult: (response: Response) => response.status >= 500 ? 'failure' : 'success'
      }
    }
  })

  if (config.databaseUrl !== undefined) {
    await app.register(replicas, {
      primary: { connectionString: config.databaseUrl },
      replicas: config.databaseReplicaUrls.map((connectionString, i) => ({ name: `replica${i + 1}`, connectionString })),
      // Classify each statement: proven reads go to a caught-up replica, everything else to the primary.
      defaultTarget: 'auto'
    })
  }

  await app.register(cache, { redis: config.redisUrl ?? false })
  app.log.info(config.redisUrl === undefined ? 'cache: in-process only (set REDIS_URL for Redis)' : 'cache: in-process over Redis')

  app.get('/', async () => ({ hello: 'world' }))
  productRoutes(app)
  if (config.databaseUrl !== undefined) notesRoutes(app)

  const upstreamUrl = config.upstreamUrl
  if (upstreamUrl !== undefined) {
    // An outbound call with a 2 s route deadline; a client that goes away cancels it.
    app.get('/upstream', { config: { breaker: { deadlineMs: 2000 } } }, async (request, reply) => {
      const res = await request.breaker('upstream').execute((signal) => fetch(upstreamUrl, { signal }))
      if (res.status >= 500) {
        await res.body?.cancel()
        return reply.code(502).send({ error: 'upstream failed', status: res.status })
      }
      return reply.type('application/json').send(await res.text())
    })
  }

  return app
}

import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'

export interface AppOptions {
  /** Fastify server options (logger and so on). */
  fastify?: FastifyServerOptions
}

/**
 * Builds the example application without listening, so tests can `inject()` into exactly
 * what `server.ts` runs.
 */
export async function buildApp (opts: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify(opts.fastify)

  app.get('/', async () => ({ hello: 'world' }))

  return app
}

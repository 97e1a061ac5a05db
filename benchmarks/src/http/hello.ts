import Fastify, { type FastifyInstance } from 'fastify'

/** A Fastify app with request logging off, the way every benchmark server must be built. */
export function quietFastify (): FastifyInstance {
  return Fastify({ logger: false })
}

/** The hello-world route: `GET /` -> `{ hello: 'world' }`. */
export function helloRoute (app: FastifyInstance): FastifyInstance {
  return app.get('/', async () => ({ hello: 'world' }))
}

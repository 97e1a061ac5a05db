import type { FastifyInstance } from 'fastify'

interface Product { id: number, name: string, priceCents: number }

/**
 * A tiny in-memory catalog, to show @highload/cache's route caching without a database: the GET is
 * cached for 30 s (tagged `product:<id>`, served stale for a minute while it refreshes), and the
 * PUT invalidates the tag on every instance.
 */
export function productRoutes (app: FastifyInstance): void {
  const products = new Map<number, Product>([
    [1, { id: 1, name: 'kettle', priceCents: 2999 }],
    [2, { id: 2, name: 'teapot', priceCents: 1999 }]
  ])
  const params = { type: 'object', properties: { id: { type: 'integer', minimum: 1 } } } as const

  app.get<{ Params: { id: number } }>('/products/:id', {
    schema: { params },
    config: { cache: { ttlMs: 30_000, staleWhileRevalidateMs: 60_000, tags: (request) => [`product:${(request.params as { id: number }).id}`] } }
  }, async (request, reply) => {
    const product = products.get(request.params.id)
    if (product === undefined) return reply.code(404).send({ error: 'not found' })
    return product
  })

  app.put<{ Params: { id: number }, Body: { name: string, priceCents: number } }>('/products/:id', {
    schema: {
      params,
      body: {
        type: 'object',
        required: ['name', 'priceCents'],
        additionalProperties: false,
        properties: { name: { type: 'string', minLength: 1, maxLength: 200 }, priceCents: { type: 'integer', minimum: 0 } }
      }
    }
  }, async (request) => {
    const product = { id: request.params.id, ...request.body }
    products.set(product.id, product)
    // Every instance drops the product's cached responses and values (the bus carries the tag).
    await app.cache.invalidateTags([`product:${product.id}`])
    return product
  })
}

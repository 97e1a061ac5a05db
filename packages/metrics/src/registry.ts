import type { FastifyInstance, FastifyPluginAsync } from 'fastify'
import fastifyMetricsModule from 'fastify-metrics'
import promClient from 'prom-client'
import type { TextRegistry } from './exposition.js'

interface FastifyMetricsDecorator {
  client: { register: TextRegistry }
}

function isFastifyMetrics (value: unknown): value is FastifyMetricsDecorator {
  try {
    return typeof (value as FastifyMetricsDecorator).client.register.metrics === 'function'
  } catch {
    return false
  }
}

// fastify-metrics is CommonJS with an `exports.default`; ESM sees the exports object.
const fastifyMetrics = (fastifyMetricsModule as unknown as { default: FastifyPluginAsync<Record<string, unknown>> }).default

/**
 * fastify-metrics supplies the process and runtime metrics and the prom-client registry users
 * add their own metrics to. Reuses it when the app registered it already (its `metrics`
 * decorator is there); otherwise registers it with route metrics and its endpoint off and the
 * default metrics in a registry of this app's own, so several apps in one process do not collide.
 * Returns the registries whose text follows ours in the exposition.
 */
export async function registerFastifyMetrics (fastify: FastifyInstance, runtimeMetrics: boolean): Promise<TextRegistry[]> {
  const existing: unknown = fastify.hasDecorator('metrics') ? (fastify as unknown as { metrics: unknown }).metrics : null
  if (isFastifyMetrics(existing)) return [existing.client.register]
  const own = new promClient.Registry()
  await fastify.register(fastifyMetrics, {
    promClient,
    endpoint: null,
    routeMetrics: { enabled: false },
    defaultMetrics: { enabled: runtimeMetrics, register: own }
  })
  fastify.addHook('onClose', async () => own.clear())
  return [own, promClient.register]
}

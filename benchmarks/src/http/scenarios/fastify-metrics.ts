import fastifyMetrics from 'fastify-metrics'
import { helloRoute, quietFastify } from '../hello.js'
import type { HttpScenario } from '../types.js'

const scenario: HttpScenario = {
  name: 'fastify-metrics',
  description: 'Bare Fastify hello-world vs the same app with fastify-metrics 13.2.1 registered at its defaults ' +
    '(route histogram + summary, prom-client default metrics, /metrics endpoint). The peer @highload/metrics must beat.',
  request: { path: '/' },
  baseline: {
    label: 'bare Fastify',
    build: () => helloRoute(quietFastify())
  },
  candidate: {
    label: 'fastify-metrics defaults',
    build: async () => {
      const app = quietFastify()
      // Registered before the route: fastify-metrics collects the routes it measures in onRoute.
      await app.register(fastifyMetrics.default)
      return helloRoute(app)
    }
  }
}

export default scenario

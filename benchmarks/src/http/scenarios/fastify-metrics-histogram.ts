import fastifyMetrics from 'fastify-metrics'
import { helloRoute, quietFastify } from '../hello.js'
import type { HttpScenario } from '../types.js'

const scenario: HttpScenario = {
  name: 'fastify-metrics-histogram',
  description: 'Bare Fastify hello-world vs fastify-metrics 13.2.1 with route metrics reduced to the histogram ' +
    '(`routeMetrics.enabled: { histogram: true, summary: false }`); everything else at its defaults.',
  request: { path: '/' },
  baseline: {
    label: 'bare Fastify',
    build: () => helloRoute(quietFastify())
  },
  candidate: {
    label: 'fastify-metrics histogram only',
    build: async () => {
      const app = quietFastify()
      await app.register(fastifyMetrics.default, { routeMetrics: { enabled: { histogram: true, summary: false } } })
      return helloRoute(app)
    }
  }
}

export default scenario

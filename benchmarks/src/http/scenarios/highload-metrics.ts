import highloadMetrics from '@highload/metrics'
import { helloRoute, quietFastify } from '../hello.js'
import type { HttpScenario } from '../types.js'

/** The two SLOs of the target: every route, 99.9% availability and 99% under 250 ms. */
export const TWO_SLOS = [
  { name: 'availability', target: 0.999, sli: { kind: 'availability' } },
  { name: 'latency', target: 0.99, sli: { kind: 'latency', thresholdMs: 250 } }
] as const

const scenario: HttpScenario = {
  name: 'highload-metrics',
  description: 'Bare Fastify hello-world vs the same app with @highload/metrics at its defaults (server timing): RED histogram (otel preset), ' +
    'two SLOs covering every route (99.9% availability, 99% under 250 ms), fastify-metrics runtime metrics, ' +
    '/metrics and /slo endpoints. Compare with the fastify-metrics scenarios of the same run.',
  request: { path: '/' },
  baseline: {
    label: 'bare Fastify',
    build: () => helloRoute(quietFastify())
  },
  candidate: {
    label: '@highload/metrics RED + 2 SLOs',
    build: async () => {
      const app = quietFastify()
      // Registered before the route: per-route recording state is built in onRoute.
      await app.register(highloadMetrics, { slos: TWO_SLOS })
      return helloRoute(app)
    }
  },
  minRatio: 0.92
}

export default scenario

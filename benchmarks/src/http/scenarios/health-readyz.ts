import health from '@highload/health'
import { waitUntil } from '@highload/testing'
import { quietFastify } from '../hello.js'
import type { HttpScenario } from '../types.js'

const scenario: HttpScenario = {
  name: 'health-readyz',
  description: 'GET /readyz from @highload/health (ready, with one passing critical check running in the ' +
    'background) vs a bare Fastify route that returns the constant text "ok". Probes answer from cached ' +
    'state, so the target is >= 0.95 of the bare route.',
  request: { path: '/readyz' },
  minRatio: 0.95,
  baseline: {
    label: 'bare constant route',
    build: () => quietFastify().get('/readyz', (_request, reply) => {
      reply.header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('ok')
    })
  },
  candidate: {
    label: '@highload/health /readyz',
    build: async () => {
      const app = quietFastify()
      await app.register(health)
      app.health.addCheck({ name: 'dependency', critical: true, intervalMs: 1000, check: async () => {} })
      await app.ready()
      // wait for the first check run so the service is ready before load starts
      await waitUntil(() => app.health.isReady(), 'the first run of the health check')
      return app
    }
  }
}

export default scenario

import highloadMetrics from '@highload/metrics'
import { helloRoute, quietFastify } from '../hello.js'
import type { HttpScenario } from '../types.js'
import { TWO_SLOS } from './highload-metrics.js'

const scenario: HttpScenario = {
  name: 'highload-metrics-hooks',
  description: 'Bare Fastify hello-world vs @highload/metrics as in highload-metrics, but with `timing: \'hooks\'`: ' +
    'a per-route onResponse hook and Fastify\'s reply.elapsedTime instead of Node\'s server events. ' +
    'What the HTTP/2 default costs, and what turning on Fastify\'s own request timer costs an app without a logger.',
  request: { path: '/' },
  baseline: {
    label: 'bare Fastify',
    build: () => helloRoute(quietFastify())
  },
  candidate: {
    label: '@highload/metrics, hooks timing',
    build: async () => {
      const app = quietFastify()
      await app.register(highloadMetrics, { timing: 'hooks', slos: TWO_SLOS })
      return helloRoute(app)
    }
  }
}

export default scenario

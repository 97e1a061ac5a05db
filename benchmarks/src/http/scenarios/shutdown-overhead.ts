import shutdown from '@highload/shutdown'
import { helloRoute, quietFastify } from '../hello.js'
import type { HttpScenario } from '../types.js'

const scenario: HttpScenario = {
  name: 'shutdown-overhead',
  description: 'Bare Fastify hello-world vs the same app with @highload/shutdown registered at its defaults ' +
    '(in-flight request and socket tracking, Connection: close check per response). Measures what the plugin ' +
    'costs while the service runs normally; no target is set.',
  request: { path: '/' },
  baseline: {
    label: 'bare Fastify',
    build: () => helloRoute(quietFastify())
  },
  candidate: {
    label: '@highload/shutdown defaults',
    build: async () => {
      const app = quietFastify()
      await app.register(shutdown)
      return helloRoute(app)
    }
  }
}

export default scenario

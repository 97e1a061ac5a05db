import { helloRoute, quietFastify } from '../hello.js'
import type { HttpScenario } from '../types.js'

/**
 * The control for the settle step (src/http/settle.ts): the candidate differs from the baseline
 * only in awaiting one empty plugin at start-up, which does no per-request work. Settled, the
 * ratio must be 1 within noise; with --unsettled it shows what start-up history alone does.
 */
const scenario: HttpScenario = {
  name: 'fastify-awaited-register',
  description: 'Control: bare Fastify hello-world vs the same app built after `await app.register(async () => {})`. ' +
    'No per-request difference; the ratio shows whether the harness compares like with like.',
  request: { path: '/' },
  baseline: {
    label: 'bare Fastify',
    build: () => helloRoute(quietFastify())
  },
  candidate: {
    label: 'bare Fastify, one awaited empty plugin',
    build: async () => {
      const app = quietFastify()
      await app.register(async () => {})
      return helloRoute(app)
    }
  },
  minRatio: 0.95
}

export default scenario

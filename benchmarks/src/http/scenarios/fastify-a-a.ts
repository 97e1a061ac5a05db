import { helloRoute, quietFastify } from '../hello.js'
import type { HttpScenario } from '../types.js'

/**
 * A/A: the same app on both sides. Its per-round ratios are the harness's noise floor, and its
 * median shows any bias of one side over the other (start order, pinning, load generators).
 */
const scenario: HttpScenario = {
  name: 'fastify-a-a',
  description: 'A/A: bare Fastify hello-world on both sides. The spread of its rounds is the noise floor of a run; its median should be 1.',
  request: { path: '/' },
  baseline: {
    label: 'bare Fastify',
    build: () => helloRoute(quietFastify())
  },
  candidate: {
    label: 'bare Fastify (again)',
    build: () => helloRoute(quietFastify())
  },
  minRatio: 0.97
}

export default scenario

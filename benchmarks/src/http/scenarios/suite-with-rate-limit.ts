import { suiteScenario } from '../suite-app.js'

export default suiteScenario({
  name: 'suite-with-rate-limit',
  what: 'The suite as in `suite`, plus @fastify/rate-limit (in-memory store)',
  label: 'the suite + @fastify/rate-limit',
  plugins: ['shutdown', 'rate-limit', 'metrics', 'health', 'breaker', 'cache']
})

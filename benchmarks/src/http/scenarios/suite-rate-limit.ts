import { suiteScenario } from '../suite-app.js'

export default suiteScenario({
  name: 'suite-rate-limit',
  what: 'The suite row for @fastify/rate-limit (in-memory store) alone',
  label: '@fastify/rate-limit alone',
  plugins: ['rate-limit']
})

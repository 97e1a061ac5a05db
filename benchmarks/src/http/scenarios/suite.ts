import { suiteScenario } from '../suite-app.js'

export default suiteScenario({
  name: 'suite',
  what: 'The suite: @highload/shutdown, metrics (RED + 2 SLOs), health, breaker (one dependency) and cache (L1 only), without rate limiting',
  label: 'shutdown + metrics + health + breaker + cache',
  plugins: ['shutdown', 'metrics', 'health', 'breaker', 'cache'],
  minRatio: 0.9
})

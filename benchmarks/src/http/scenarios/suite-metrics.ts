import { suiteScenario } from '../suite-app.js'

export default suiteScenario({
  name: 'suite-metrics',
  what: 'The suite row for @highload/metrics (RED + 2 SLOs) alone',
  label: '@highload/metrics alone',
  plugins: ['metrics']
})

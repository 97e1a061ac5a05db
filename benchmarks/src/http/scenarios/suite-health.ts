import { suiteScenario } from '../suite-app.js'

export default suiteScenario({
  name: 'suite-health',
  what: 'The suite row for @highload/health (event-loop and memory checks) alone',
  label: '@highload/health alone',
  plugins: ['health']
})

import { suiteScenario } from '../suite-app.js'

export default suiteScenario({
  name: 'suite-shutdown',
  what: 'The suite row for @highload/shutdown alone',
  label: '@highload/shutdown alone',
  plugins: ['shutdown']
})

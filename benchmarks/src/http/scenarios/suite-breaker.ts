import { suiteScenario } from '../suite-app.js'

export default suiteScenario({
  name: 'suite-breaker',
  what: 'The suite row for @highload/breaker (one dependency, called by `/quote`) alone',
  label: '@highload/breaker alone',
  plugins: ['breaker']
})

import { suiteScenario } from '../suite-app.js'

export default suiteScenario({
  name: 'suite-cache',
  what: 'The suite row for @highload/cache (L1 only, caching `/products/:id`) alone',
  label: '@highload/cache alone',
  plugins: ['cache']
})

import { readFileSync } from 'node:fs'
import { readmeDefaultProblems } from '@highload/testing'
import t from 'tap'
import { breakerRule, bulkheadRule, policyRule, retryBudgetRule, retryRule } from '../src/core/options.js'
import { dependencyRule, pluginRule, routeRule } from '../src/options.js'
import { codes } from '../src/index.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

t.test('every README options table matches the code\'s options and defaults', async (t) => {
  t.same(readmeDefaultProblems(readme, {
    'Plugin options': pluginRule,
    'Dependency options': dependencyRule,
    'Policy options': policyRule,
    'Breaker options': breakerRule,
    'Retry options': retryRule,
    'Retry budget options': retryBudgetRule,
    'Bulkhead options': bulkheadRule,
    'Route options': routeRule
  }), [])
})

t.test('the README has a row per error code', async (t) => {
  for (const code of Object.values(codes)) t.match(readme, new RegExp(`^\\| \`${code}\` \\|`, 'm'), code)
})

import { readFile } from 'node:fs/promises'
import tap from 'tap'
import { readmeDefaultProblems } from '@highload/testing'
import { optionsRule } from '../src/options.js'
import { burnRateWindowRule, sloRule } from '../src/slo/options.js'

tap.test('every README options table matches the rules: each option documented, with the code\'s default', async (t) => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  t.same(readmeDefaultProblems(readme, {
    Options: optionsRule,
    'SLO options': sloRule,
    'Burn-rate window fields': burnRateWindowRule
  }), [])
})

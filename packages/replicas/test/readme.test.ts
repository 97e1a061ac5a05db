import { readFileSync } from 'node:fs'
import t from 'tap'
import { readmeDefaultProblems } from '@highload/testing'
import { optionsRule, replicaRule } from '../src/options.js'

t.test('the README documents every option with the code\'s default', async (t) => {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')
  t.same(readmeDefaultProblems(readme, { Options: optionsRule, 'Replica options': replicaRule }), [])
})

import { readFile } from 'node:fs/promises'
import t from 'tap'
import { readmeDefaultProblems } from '@highload/testing'
import { object } from '@highload/options'
import { routeRules } from '../src/http.js'
import { optionsRule } from '../src/options.js'
import { codes } from '../src/index.js'

const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')

t.test('the README options tables match the code', async (t) => {
  t.same(readmeDefaultProblems(readme, { Options: optionsRule, 'Route options': object(routeRules) }), [])
})

t.test('every error code has a row in the README errors table', async (t) => {
  for (const code of Object.values(codes)) t.match(readme, new RegExp(`\\| \`${code}\` \\|`), code)
})

import { readFileSync } from 'node:fs'
import { readmeDefaultProblems } from '@highload/testing'
import t from 'tap'
import { codes } from '../src/index.js'
import { readinessProxyRule, upstreamRule, zeroDowntimeRule } from '../src/options.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

t.test('the README options tables match the code\'s defaults', async (t) => {
  t.same(readmeDefaultProblems(readme, {
    Options: zeroDowntimeRule,
    '`ReadinessProxy` options': readinessProxyRule,
    'Upstream fields': upstreamRule
  }), [])
})

t.test('the README has a row per error code', async (t) => {
  for (const code of Object.values(codes)) t.match(readme, new RegExp(`^\\| \`${code}\` \\|`, 'm'), code)
})

import { readFileSync } from 'node:fs'
import { readmeDefaultProblems } from '@highload/testing'
import t from 'tap'
import { shutdownOptionsRule } from '../src/options.js'

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8')

t.test('the README options table matches the code\'s defaults', async (t) => {
  t.same(readmeDefaultProblems(readme, { Options: shutdownOptionsRule({}) }), [])
})

t.test('the README has a row per error code', async (t) => {
  const { codes } = await import('../src/index.js')
  for (const code of Object.values(codes)) t.match(readme, new RegExp(`^\\| \`${code}\` \\|`, 'm'), code)
})

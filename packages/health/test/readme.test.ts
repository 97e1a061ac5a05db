import { readFile } from 'node:fs/promises'
import t from 'tap'
import { object } from '@highload/options'
import { readmeDefaultProblems } from '@highload/testing'
import { eventLoopOwnRules } from '../src/checks/event-loop.js'
import { memoryOwnRules } from '../src/checks/memory.js'
import { postgresOwnRules } from '../src/checks/postgres.js'
import { redisOwnRules } from '../src/checks/redis.js'
import { checkSpecRules, optionsRule } from '../src/options.js'

t.test('every options table in the README matches the rules: defaults, and one row per option', async (t) => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  t.same(readmeDefaultProblems(readme, {
    Options: optionsRule,
    'Check spec (`addCheck(spec)`)': object(checkSpecRules),
    // the factories' tables list the options that are theirs or have their own defaults
    'redisCheck() options': object(redisOwnRules),
    'postgresCheck() options': object(postgresOwnRules),
    'eventLoopCheck() options': object(eventLoopOwnRules),
    'memoryCheck() options': object(memoryOwnRules)
  }), [])
})

import { expect, test } from 'tstyche'
import { boolean, custom, derived, integer, list, ms, object, oneOf, optional, orFalse, path, text, type Output, type RulesOf } from '../../src/index.js'

interface ExampleOptions {
  /** @default '/metrics' */
  endpoint?: string | false
  /** @default 1000 */
  cacheMs?: number
}

test('RulesOf proves the rule table names exactly the interface\'s keys', () => {
  expect({ endpoint: path({ default: '/metrics' }), cacheMs: ms({ default: 1000 }) } satisfies RulesOf<ExampleOptions>).type.not.toRaiseError()
  expect({ endpoint: path({ default: '/metrics' }) } satisfies RulesOf<ExampleOptions>).type.toRaiseError()
  expect({ endpoint: path({ default: '/metrics' }), cacheMs: ms(), endpont: text() } satisfies RulesOf<ExampleOptions>).type.toRaiseError()
})

test('rules infer what they return', () => {
  expect<Output<ReturnType<typeof ms<{ default: 5 }>>>>().type.toBe<number>()
  const rule = object({ // eslint-disable-line @typescript-eslint/no-unused-vars -- only its type is tested
    a: ms({ default: 5 }),
    b: ms(),
    c: ms({ default: derived('2 × a') }),
    d: boolean({ default: true }),
    e: oneOf(['x', 'y'], { default: 'x' }),
    f: list(integer(), { default: [1] }),
    g: orFalse(object({ h: integer({ default: 1 }) })),
    i: optional(text()),
    j: path({ default: false }),
    k: custom('a RegExp', (v): v is RegExp => v instanceof RegExp, { default: /x/ }),
    l: custom<RegExp>('a RegExp', (v) => v instanceof RegExp)
  })
  type Parsed = Output<typeof rule>
  expect<Parsed['a']>().type.toBe<number>()
  expect<Parsed['b']>().type.toBe<number | undefined>()
  expect<Parsed['c']>().type.toBe<number | undefined>()
  expect<Parsed['d']>().type.toBe<boolean>()
  expect<Parsed['e']>().type.toBe<'x' | 'y'>()
  expect<Parsed['f']>().type.toBe<readonly number[]>()
  expect<Parsed['g']>().type.toBe<{ readonly h: number } | null>()
  expect<Parsed['i']>().type.toBe<string | undefined>()
  expect<Parsed['j']>().type.toBe<string | null>()
  expect<Parsed['k']>().type.toBe<RegExp>()
  expect<Parsed['l']>().type.toBe<RegExp | undefined>()
})

import t from 'tap'
import Fastify from 'fastify'
import { integer, ms, object, oneOf, optional, orFalse, record, required, text } from '@highload/options'
import { codes, deferred, fakeClock, logCollector, readmeDefaultProblems, waitUntil } from '../src/index.js'

t.test('fakeClock fakes timers and Date until the test ends', async (t) => {
  const realNow = Date.now
  await t.test('inside', async (t) => {
    const clock = fakeClock(t, { now: 5000 })
    t.equal(Date.now(), 5000)
    let fired = false
    setTimeout(() => { fired = true }, 100)
    clock.tick(100)
    t.ok(fired)
  })
  await t.test('only Date, at the default time', async (t) => {
    fakeClock(t, { toFake: ['Date'] })
    t.equal(Date.now(), 1_000_000)
  })
  await t.test('the default fakes', async (t) => {
    const clock = fakeClock(t)
    const started = performance.now()
    clock.tick(50)
    t.equal(performance.now() - started, 50)
  })
  t.equal(Date.now, realNow, 'uninstalled at teardown')
})

t.test('deferred exposes resolve and reject', async (t) => {
  const a = deferred<number>()
  a.resolve(7)
  t.equal(await a.promise, 7)
  const b = deferred()
  b.reject(new Error('no'))
  await t.rejects(b.promise, { message: 'no' })
})

t.test('logCollector keeps every line an app logs', async (t) => {
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'info', stream: logs.stream } })
  app.log.info({ a: 1 }, 'first')
  app.log.warn('second')
  await app.close()
  t.same(logs.messages().slice(0, 2), ['first', 'second'])
  t.equal(logs.lines[0]?.a, 1)
})

t.test('waitUntil polls until the condition holds, and fails with a deadline', async (t) => {
  let n = 0
  const waited = await waitUntil(() => ++n >= 3, 'three polls')
  t.equal(n, 3)
  t.ok(waited >= 0)
  await t.rejects(waitUntil(async () => false, 'never', 30), { code: codes.TIMEOUT, message: 'timed out after 30 ms waiting for never' })
})

t.test('readmeDefaultProblems compares README option tables with the rules', async (t) => {
  const retry = object({ maxAttempts: integer({ default: 3 }), jitter: oneOf(['full', 'none'], { default: 'full' }) })
  const rule = object({
    dependencies: required(record(integer())),
    name: text({ default: 'default' }),
    timeoutMs: optional(ms()),
    windowMs: ms({ default: 10_000 }),
    retry: orFalse(retry, { default: false })
  })
  const readme = [
    '# pkg',
    '## Options',
    'Some text.',
    '',
    '| option | type | default | meaning |',
    '|---|---|:--|---|',
    '| `dependencies` | map | (required) | one per dependency |',
    '| `name` | string | `"default"` | used in events \\| logs |',
    '| `timeoutMs` | ms | none | per attempt |',
    '| `windowMs` | ms | `10_000` (ten seconds) | window |',
    '| `retry` | object | `false` | see below |',
    '',
    '### Retry options',
    '| Field | Default |',
    '|---|---|',
    '| `maxAttempts` | `3` |',
    "| `jitter` | `'full'` |",
    ''
  ].join('\n')
  t.same(readmeDefaultProblems(readme, { Options: rule, 'Retry options': retry }), [])

  const wrong = readme
    .replace('| `windowMs` | ms | `10_000` (ten seconds) |', '| `windowMs` | ms | `1000` |')
    .replace('| `timeoutMs` | ms | none |', '| `timeoutMs` | ms | `500` |')
    .replace('| `dependencies` | map | (required) |', '| `dependencies` | map | `{}` |')
    .replace("| `jitter` | `'full'` |", '| `jiter` | `none` |')
    .replace('| `retry` | object | `false` | see below |\n', '')
  t.same(readmeDefaultProblems(wrong, { Options: rule, 'Retry options': retry, Missing: retry }), [
    'Options: `dependencies` is documented with default "{}", the code says "required"',
    'Options: `timeoutMs` is documented with default "500", the code says "none" (or "omitted", "—")',
    'Options: `windowMs` is documented with default "1000", the code says `10000`',
    'Options: `retry` has no row',
    'Retry options: `jiter` is documented but is not an option',
    'Retry options: `jitter` has no row',
    'no table under the heading "Missing"'
  ])
  t.same(readmeDefaultProblems('## Options\n| name | value |\n|---|---|\n| a | 1 |\n\ntext', { Options: rule }),
    ['the table under "Options" needs an "option" (or "field") column and a "default" column'])
  t.same(readmeDefaultProblems('## Short\n| option | default |\n|---|---|\n| `name`\n', { Short: rule, Short2: record(integer()) }), [
    'Short: `name` is documented with default "", the code says `\'default\'`',
    'Short: `dependencies` has no row',
    'Short: `timeoutMs` has no row',
    'Short: `windowMs` has no row',
    'Short: `retry` has no row',
    'no table under the heading "Short2"'
  ])
  t.same(readmeDefaultProblems('## Map\n| option | default |\n|---|---|\n', { Map: record(integer()) }), [], 'a header alone documents nothing')
  t.same(readmeDefaultProblems('## Map\n| option | default |\n|---|---|\n| `x` | 1 |\n', { Map: record(integer()) }), ['Map: `x` is documented but is not an option'])
  t.same(readmeDefaultProblems('## Options\nno table\n## Next\n| option | default |\n|---|---|\n', { Options: rule }),
    ['no table under the heading "Options"'])
})

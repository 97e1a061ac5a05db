import t from 'tap'
import fp from 'fastify-plugin'
import { createError } from '@fastify/error'
import { exportProblems } from '../src/index.js'

const ExampleClosedError = createError('HL_EXAMPLE_THING_CLOSED', 'closed', 500)
const plugin = fp(async () => {}, { fastify: '5.x', name: '@highload/example-thing' })
const good = {
  default: plugin,
  fastifyHighloadExampleThing: plugin,
  codes: Object.freeze({ CLOSED: 'HL_EXAMPLE_THING_CLOSED' }),
  ExampleThingClosedError: createError('HL_EXAMPLE_THING_CLOSED', 'closed', 500)
}

t.test('a module that follows the rules has no problem', async (t) => {
  t.same(exportProblems(good, '@highload/example-thing', { plugin: true }), [])
  t.same(exportProblems({ codes: Object.freeze({}) }, '@highload/example-thing', { plugin: false }), [], 'a library needs no plugin')
})

t.test('each broken rule is one line', async (t) => {
  const wrongCode = createError('HL_EXAMPLE_THING_OTHER', 'x', 500)
  t.same(exportProblems({
    default: fp(async () => {}, { fastify: '4.x', name: 'x' }),
    fastifyHighloadExampleThing: plugin,
    codes: { CLOSED: 'HL_EXAMPLE_THING_CLOSED', OPEN: 'HL_OTHER_OPEN', GONE: 'HL_EXAMPLE_THING_GONE' },
    ExampleThingClosedError: wrongCode,
    ExampleClosedError
  }, '@highload/example-thing', { plugin: true }), [
    'codes is not frozen',
    'ExampleThingClosedError does not carry HL_EXAMPLE_THING_CLOSED',
    'codes.OPEN is HL_OTHER_OPEN, not HL_EXAMPLE_THING_OPEN',
    'no OtherOpenError export for HL_OTHER_OPEN',
    'no ExampleThingGoneError export for HL_EXAMPLE_THING_GONE',
    'fastifyHighloadExampleThing is not the default export',
    "fastify-plugin metadata is not { name: '@highload/example-thing', fastify: '5.x' }"
  ])
  t.same(exportProblems({}, '@highload/example-thing', { plugin: true }), ['no codes export', 'no default export'])
  const bare = async (): Promise<void> => {}
  t.same(exportProblems({ default: bare, fastifyHighloadExampleThing: bare, codes: Object.freeze({}) }, '@highload/example-thing', { plugin: true }), [
    "fastify-plugin metadata is not { name: '@highload/example-thing', fastify: '5.x' }",
    'the plugin is encapsulated (not wrapped with fastify-plugin)'
  ])
  t.same(exportProblems({ codes: null }, '@highload/x', { plugin: false }), ['no codes export'])
})

import t from 'tap'
import { readConfig } from '../src/config.js'

t.test('defaults for a local run', async (t) => {
  t.same(readConfig({}), { port: 3000, host: '127.0.0.1', logLevel: 'info' })
})

t.test('reads PORT, HOST and LOG_LEVEL', async (t) => {
  t.same(readConfig({ PORT: '0', HOST: '0.0.0.0', LOG_LEVEL: 'warn' }), { port: 0, host: '0.0.0.0', logLevel: 'warn' })
})

t.test('rejects a PORT that is not a port number', async (t) => {
  for (const bad of ['abc', '-1', '70000', '80.5']) {
    t.throws(() => readConfig({ PORT: bad }), { name: 'RangeError', message: new RegExp(`got "${bad.replace('.', '\\.')}"`) })
  }
})

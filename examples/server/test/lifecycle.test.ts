import t from 'tap'
import { Writable } from 'node:stream'
import Fastify from 'fastify'
import { closeApp } from '../src/lifecycle.js'

function appWithLogs () {
  const lines: Array<Record<string, unknown>> = []
  const stream = new Writable({
    write (chunk: Buffer, _enc, cb) { lines.push(JSON.parse(chunk.toString())); cb() }
  })
  const app = Fastify({ logger: { level: 'info', stream } })
  let closed = false
  app.addHook('onClose', async () => { closed = true })
  return { app, lines, isClosed: () => closed }
}

t.test('a signal is logged at info and the app is closed', async (t) => {
  const { app, lines, isClosed } = appWithLogs()
  await app.ready()
  await closeApp(app)({ signal: 'SIGTERM' })
  t.ok(isClosed(), 'onClose hooks ran')
  t.match(lines, [{ level: 30, msg: 'closing', signal: 'SIGTERM' }])
})

t.test('a crash is logged at error with the error under err', async (t) => {
  const { app, lines, isClosed } = appWithLogs()
  await app.ready()
  await closeApp(app)({ err: new Error('boom') })
  t.ok(isClosed(), 'onClose hooks ran')
  t.match(lines, [{ level: 50, msg: 'closing after a crash', err: { message: 'boom' } }])
})

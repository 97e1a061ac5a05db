import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { fakeClock } from '@highload/testing'
import t from 'tap'
import { answerSettleRequests, requestSettle, SERVER_EXEC_ARGV, SETTLE_TIMEOUT_MS, settleReply } from '../src/http/settle.js'
import { isMessage, waitForMessage } from '../src/lib/ipc.js'
import { FakeChild } from './helpers/fake-child.js'

t.test('a server that never answers: the settle request fails after 30 s, naming the server', async (t) => {
  const clock = fakeClock(t)
  const child = new FakeChild()
  const failed = t.rejects(requestSettle(child, 'suite candidate server'), { message: 'suite candidate server settle: no answer within 30 s' })
  t.same(child.sent, [{ type: 'settle' }])
  await clock.tickAsync(SETTLE_TIMEOUT_MS)
  await failed
})

t.test('the settle step: a pause for the warm-up\'s sockets, four major GCs, then settled', async (t) => {
  const clock = fakeClock(t)
  let gcs = 0
  const reply = settleReply(() => { gcs++ })
  await clock.tickAsync(99)
  t.equal(gcs, 0, 'no GC while the warm-up\'s sockets close')
  await clock.runAllAsync()
  t.same(await reply, { type: 'settled' })
  t.equal(gcs, 4)
})

t.test('without --expose-gc the server answers with an error instead of pretending to settle', async (t) => {
  t.equal(globalThis.gc, undefined, 'tap runs tests without --expose-gc')
  t.same(await settleReply(), {
    type: 'error',
    message: 'the server runs without --expose-gc, so it cannot settle (start it with --expose-gc, or pass --unsettled)'
  })
})

t.test('the conversation in one process: the server answers settle requests and nothing else', async (t) => {
  const child = new FakeChild()
  const server = new FakeChild()
  // Wire the two ends: what the runner sends, the server receives, and back.
  child.send = (m) => { server.emit('message', m); return true }
  server.send = (m) => { child.emit('message', m); return true }
  answerSettleRequests(server)
  server.emit('message', { type: 'something else' })
  await t.rejects(requestSettle(child, 'server'), { message: /^server settle: the server runs without --expose-gc/ })
})

const fixture = fileURLToPath(new URL('fixtures/settle-server.ts', import.meta.url))
const isReady = isMessage<{ type: 'ready' }>('ready')

/** Forks the fixture server with tap's loaders (process.execArgv) plus `flags`. */
async function startFixture (t: { teardown: (fn: () => void) => void }, flags: string[]): Promise<ChildProcess> {
  const child = fork(fixture, [], { execArgv: [...process.execArgv, ...flags], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  t.teardown(() => { if (child.connected) child.disconnect() })
  await waitForMessage(child, isReady, 60_000, 'fixture server')
  return child
}

t.test('a real server process started without --expose-gc: the runner gets its error at once', async (t) => {
  const child = await startFixture(t, [])
  await t.rejects(requestSettle(child, 'fixture server'), { message: /^fixture server settle: the server runs without --expose-gc/ })
})

t.test('a real server process started with SERVER_EXEC_ARGV settles', async (t) => {
  t.same(SERVER_EXEC_ARGV, ['--expose-gc'])
  const child = await startFixture(t, SERVER_EXEC_ARGV)
  await requestSettle(child, 'fixture server')
  t.pass('settled')
})

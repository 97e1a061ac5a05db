import { fakeClock } from '@highload/testing'
import t from 'tap'
import { isErrorMessage, isMessage, waitForMessage } from '../src/lib/ipc.js'
import { FakeChild } from './helpers/fake-child.js'

interface Ready { type: 'ready', port: number }
const isReady = isMessage<Ready>('ready')

t.test('isMessage: an object with that type, nothing else', async (t) => {
  t.ok(isReady({ type: 'ready', port: 1 }))
  t.notOk(isReady({ type: 'other' }))
  t.notOk(isReady(null))
  t.notOk(isReady('ready'))
  t.ok(isErrorMessage({ type: 'error', message: 'x' }))
})

t.test('resolves with the first accepted message, ignores others, and stops listening', async (t) => {
  const child = new FakeChild()
  const ready = waitForMessage(child, isReady, 1000, 'server')
  child.reply({ type: 'noise' })
  child.reply('text')
  child.reply({ type: 'ready', port: 8080 })
  t.same(await ready, { type: 'ready', port: 8080 })
  t.equal(child.listenerCount('message'), 0)
  t.equal(child.listenerCount('exit'), 0)
})

t.test('rejects with the child\'s error message, named after what was waited for', async (t) => {
  const child = new FakeChild()
  const ready = waitForMessage(child, isReady, 1000, 'suite candidate server')
  child.reply({ type: 'error', message: 'listen EADDRINUSE' })
  await t.rejects(ready, { message: 'suite candidate server: listen EADDRINUSE' })
})

t.test('rejects when the child exits first', async (t) => {
  const child = new FakeChild()
  const ready = waitForMessage(child, isReady, 1000, 'server')
  child.emit('exit', 1, null)
  await t.rejects(ready, { message: 'server: child exited (code 1, signal null)' })
  t.equal(child.listenerCount('message'), 0)
})

t.test('rejects after the timeout', async (t) => {
  const clock = fakeClock(t)
  const child = new FakeChild()
  const ready = waitForMessage(child, isReady, 60_000, 'server')
  let settled = false
  ready.catch(() => {}).finally(() => { settled = true })
  await clock.tickAsync(59_999)
  t.equal(settled, false)
  await clock.tickAsync(1)
  await t.rejects(ready, { message: 'server: no answer within 60 s' })
  child.reply({ type: 'ready', port: 1 })
  t.equal(child.listenerCount('message'), 0, 'a late answer finds nobody listening')
})

import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { startRedis } from '@highload/testing'
import { Redis } from 'ioredis'
import { prefix } from './helpers.js'

// 4 processes × 250 concurrent getOrSet on one cold key: the lease lets one loader run across
// processes; without it, single-flight still holds each process to one.
const redis = await startRedis()
t.teardown(() => redis.close())
const p = prefix()
const worker = fileURLToPath(new URL('./fixtures/stampede-worker.ts', import.meta.url))
// The children inherit tap's TypeScript loader through execArgv.
const children = [0, 1, 2, 3].map(() => fork(worker, [redis.url, p], { execArgv: process.execArgv }))
t.teardown(async () => {
  await Promise.all(children.map(async (child) => {
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.send('exit')
    await exited
  }))
})
const next = (child: ChildProcess): Promise<unknown> => new Promise((resolve) => child.once('message', resolve))
await Promise.all(children.map(next)) // every process connected
const counter = new Redis(redis.url)
t.teardown(() => counter.disconnect())

async function stampede (which: 'lease' | 'none'): Promise<number> {
  const done = children.map(next)
  for (const child of children) child.send(which)
  const answers = await Promise.all(done)
  if (!answers.every((a) => a === 'ok')) throw new Error(`a worker failed: ${answers.join(', ')}`)
  return Number(await counter.get(`${p}${which}:loads`))
}

t.test('with lease: one loader call across 4 processes', async (t) => {
  t.equal(await stampede('lease'), 1)
})

t.test('without lease: at most one loader call per process', async (t) => {
  const calls = await stampede('none')
  t.ok(calls >= 1 && calls <= 4, `${calls} loader calls`)
})

import { once } from 'node:events'
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import breaker from '../src/index.js'
import { deferred, fakeClock } from '@highload/testing'

interface Dependency {
  url: string
  mode: 'ok' | 'fail' | 'slow'
  hits: number
  aborted: number
}

/** A real HTTP dependency on loopback that can be healthy, failing (500) or slow (never answers). */
async function dependency (t: Test): Promise<Dependency> {
  const dep: Dependency = { url: '', mode: 'ok', hits: 0, aborted: 0 }
  const server = http.createServer((req, res) => {
    dep.hits++
    req.on('close', () => { if (!res.writableEnded) dep.aborted++ })
    if (dep.mode === 'ok') res.end(JSON.stringify({ paid: true }))
    else if (dep.mode === 'fail') { res.statusCode = 500; res.end('{"error":"boom"}') }
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  dep.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
  t.teardown(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }))
  return dep
}

class UpstreamError extends Error {
  statusCode = 502
}

t.test('end to end: failures open the breaker, 503 + Retry-After, recovery through half-open', async (t) => {
  const dep = await dependency(t)
  // Only Date is faked: real sockets and timers, but we decide when the open period ends.
  const clock = fakeClock(t, { now: Date.now(), toFake: ['Date'] })
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, {
    dependencies: {
      payments: {
        timeoutMs: 2000,
        breaker: { windowSize: 10, minimumCalls: 4, failureRateThreshold: 50, openMs: 5000, halfOpenCalls: 2 }
      }
    }
  })
  app.get('/pay', { config: { breaker: { deadlineMs: 3000 } } }, async (request) => {
    return request.breaker('payments').execute(async (signal) => {
      const res = await fetch(dep.url, { signal })
      if (!res.ok) throw new UpstreamError(`payments answered ${res.status}`)
      return res.json()
    })
  })
  await app.ready()

  t.same((await app.inject('/pay')).json(), { paid: true })
  dep.mode = 'fail'
  for (let i = 0; i < 3; i++) t.equal((await app.inject('/pay')).statusCode, 502) // 3 of 4 calls failed
  t.equal(app.breaker('payments').state, 'open')
  const hits = dep.hits
  const open = await app.inject('/pay')
  t.equal(open.statusCode, 503)
  t.equal(open.headers['retry-after'], '5')
  t.equal(dep.hits, hits, 'the dependency is not called while open')
  clock.tick(2200)
  t.equal((await app.inject('/pay')).headers['retry-after'], '3', '2.8 s left, rounded up')

  dep.mode = 'ok'
  clock.tick(2800)
  t.equal(app.breaker('payments').state, 'half-open')
  t.equal((await app.inject('/pay')).statusCode, 200, 'probe 1')
  t.equal((await app.inject('/pay')).statusCode, 200, 'probe 2')
  t.equal(app.breaker('payments').state, 'closed', 'recovered')
  t.equal((await app.inject('/pay')).statusCode, 200)
})

t.test('end to end: a slow dependency times out with 504 and the request to it is cancelled', async (t) => {
  const dep = await dependency(t)
  dep.mode = 'slow'
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, { dependencies: { payments: { timeoutMs: 150 } } })
  app.get('/pay', async (request) => request.breaker('payments').execute((signal) => fetch(dep.url, { signal }).then((r) => r.json())))
  await app.ready()
  const res = await app.inject('/pay')
  t.equal(res.statusCode, 504)
  t.match(res.json(), { code: 'HL_BREAKER_TIMEOUT' })
  for (let i = 0; i < 100 && dep.aborted === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(dep.aborted, 1, 'the outbound HTTP request was aborted')
})

t.test('end to end: a client disconnect cancels the outbound calls and is not counted', async (t) => {
  const dep = await dependency(t)
  dep.mode = 'slow'
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, { dependencies: { payments: { breaker: { minimumCalls: 1, windowSize: 1 } } } })
  let outbound: AbortSignal | undefined
  app.get('/pay', { config: { breaker: { cancelOnDisconnect: true } } }, async (request) => {
    return request.breaker('payments').execute((signal) => {
      outbound = signal
      return fetch(dep.url, { signal }).then((r) => r.json())
    })
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  const client = http.get(`http://127.0.0.1:${port}/pay`)
  client.on('error', () => {})
  for (let i = 0; i < 200 && dep.hits === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(dep.hits, 1, 'the outbound call started')
  client.destroy()
  for (let i = 0; i < 200 && dep.aborted === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10))
  t.equal(outbound?.aborted, true, 'the outbound signal was aborted')
  t.equal(dep.aborted, 1, 'the outbound HTTP request was cancelled')
  t.equal(app.breaker('payments').state, 'closed')
  t.equal(app.breaker('payments').snapshot().calls, 0, 'a caller abort is not counted')
})

t.test('end to end: a call made after the client left is never started', async (t) => {
  const dep = await dependency(t)
  const app = Fastify()
  t.teardown(() => app.close())
  await app.register(breaker, { dependencies: { payments: {} } })
  const outcome = deferred<unknown>()
  const entered = deferred<void>()
  app.get('/pay', { config: { breaker: { deadlineMs: 10_000 } } }, async (request) => {
    entered.resolve()
    // Wait until the client is gone (Fastify's own close listener, which runs onRequestAbort, comes first).
    await new Promise((resolve) => request.raw.once('close', resolve))
    try {
      return await request.breaker('payments').execute(async (signal) => fetch(dep.url, { signal }))
    } catch (err) {
      outcome.resolve(err)
      throw err
    }
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const port = (app.server.address() as AddressInfo).port
  const client = http.get(`http://127.0.0.1:${port}/pay`)
  client.on('error', () => {})
  await entered.promise
  client.destroy()
  t.match(await outcome.promise, { name: 'AbortError', message: 'The client disconnected' })
  t.equal(dep.hits, 0, 'the dependency was never called')
})

// Real sockets on loopback: forced close at the request-drain deadline, idle keep-alive
// reaping (fastify/fastify#7044), client aborts, HTTP/2.
import diagnostics from 'node:diagnostics_channel'
import http from 'node:http'
import http2 from 'node:http2'
import type { AddressInfo } from 'node:net'
import { deferred, logCollector } from '@highload/testing'
import Fastify from 'fastify'
import t from 'tap'
import type { Test } from 'tap'
import shutdown, { PHASE_CHANNEL, type ShutdownPhaseEvent } from '../src/index.js'

const inProcess = { signals: [], crashEvents: [], exit: () => {} }

function collect (t: Test): ShutdownPhaseEvent[] {
  const events: ShutdownPhaseEvent[] = []
  const listener = (m: unknown): void => { events.push(m as ShutdownPhaseEvent) }
  diagnostics.subscribe(PHASE_CHANNEL, listener)
  t.teardown(() => diagnostics.unsubscribe(PHASE_CHANNEL, listener))
  return events
}

t.test('connections still open at the request-drain deadline are destroyed and counted', async (t) => {
  const events = collect(t)
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'warn', stream: logs.stream } })
  app.register(shutdown, { ...inProcess, requestDrainMs: 300 })
  const arrived = deferred()
  app.get('/hang', () => {
    arrived.resolve()
    return new Promise(() => {})
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const failed = new Promise<Error>((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/hang', agent: false }).on('error', resolve)
  })
  await arrived.promise
  const started = performance.now()
  await app.close()
  t.ok(performance.now() - started < 10_000, 'close() did not wait for the hanging handler')
  t.match((await failed).message, /socket hang up|ECONNRESET/)
  t.equal(events.at(-1)?.socketsForced, 1)
  const warn = logs.lines.find((l) => String(l.msg).includes('request drain budget of 300 ms used up'))
  t.match(warn, { socketsForced: 1, inFlight: [{ method: 'GET', url: '/hang' }] })
})

t.test('sockets that go idle after close() started are reaped, so close() does not wait 72 s', async (t) => {
  const events = collect(t)
  const app = Fastify()
  app.register(shutdown, { ...inProcess, reapIntervalMs: 50 })
  // A hijacked reply skips onSend, so it gets no Connection: close: the socket stays open
  // and idle after the response, which is what makes a default close() hang.
  const arrived = deferred()
  app.get('/hijack', (_request, reply) => {
    reply.hijack()
    arrived.resolve()
    setTimeout(() => {
      reply.raw.writeHead(200, { 'content-length': 2 })
      reply.raw.end('ok')
    }, 300)
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const agent = new http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  const response = new Promise<string>((resolve, reject) => {
    http.get({ host: '127.0.0.1', port, path: '/hijack', agent }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() }).on('end', () => resolve(`${res.headers.connection}:${body}`))
    }).on('error', reject)
  })
  await arrived.promise
  const started = performance.now()
  await app.close()
  t.ok(performance.now() - started < 10_000, `close() took ${Math.round(performance.now() - started)} ms, not keepAliveTimeout`)
  t.equal(await response, 'keep-alive:ok', 'the in-flight response completed')
  t.ok(Number(events.at(-1)?.socketsReaped) >= 1)
})

t.test('a request aborted by the client leaves the in-flight set', async (t) => {
  const events = collect(t)
  const app = Fastify()
  app.register(shutdown, inProcess)
  const arrived = deferred()
  const aborted = deferred()
  app.get('/hang', () => {
    arrived.resolve()
    return new Promise(() => {})
  })
  await app.after()
  // Runs after the plugin's own onRequestAbort hook.
  app.addHook('onRequestAbort', (_request, done) => { aborted.resolve(); done() })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const req = http.get({ host: '127.0.0.1', port, path: '/hang', agent: false })
  req.on('error', () => {})
  await arrived.promise
  req.destroy()
  await aborted.promise
  await app.close()
  t.equal(events[0]?.inFlight, 0)
})

t.test('HTTP/2: no Connection header (forbidden there), sessions closed by Fastify', async (t) => {
  const app = Fastify({ http2: true })
  app.register(shutdown, { ...inProcess, drainDelayMs: 300, requestDrainMs: 300 })
  app.get('/', async () => ({ ok: true }))
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const done = app.shutdown.start()
  const session = http2.connect(`http://127.0.0.1:${port}`)
  session.on('error', () => {})
  const headers = await new Promise<http2.IncomingHttpHeaders>((resolve, reject) => {
    const stream = session.request({ ':path': '/' })
    stream.on('response', (h) => { stream.resume(); stream.on('end', () => resolve(h)) }).on('error', reject)
  })
  t.equal(headers[':status'], 200)
  t.equal(headers.connection, undefined)
  // The client keeps its session open. Node >= 24 closes it on server.close(); before that,
  // only the request-drain deadline ends it.
  const report = await done
  session.destroy()
  t.equal(report.exitCode, 0)
  t.equal(report.servedDuringDrain, 1)
  t.equal(report.socketsForced, Number(process.versions.node.split('.')[0]) >= 24 ? 0 : 1)
})

import { channel } from 'node:diagnostics_channel'
import { request } from 'node:http'
import type { AddressInfo } from 'node:net'
import { PassThrough } from 'node:stream'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import tap, { type Test } from 'tap'
import { waitUntil } from '@highload/testing'
import metrics, { type FastifyHighloadMetricsOptions } from '../src/index.js'
import { FINISH_CHANNEL, kStartedAt, START_CHANNEL, type TimedRequest } from '../src/server-timing.js'
import { parseExposition, samples } from './helpers/parse.js'
import { refuse } from './helpers/refuse.js'

const D = 'http_server_request_duration_seconds'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function build (t: Test, opts: FastifyHighloadMetricsOptions = {}, fastifyOpts: FastifyServerOptions = {}, routes?: (app: FastifyInstance) => void) {
  const app = Fastify(fastifyOpts)
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, cacheMs: 0, suiteEvents: false, buckets: [0.05, 0.2], ...opts })
  app.get('/slow', async () => {
    await sleep(80)
    return 'x'
  })
  routes?.(app)
  await app.listen({ port: 0, host: '127.0.0.1' })
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` }
}

async function series (app: Pick<FastifyInstance, 'slo'>, route: string) {
  const fam = parseExposition(await app.slo.metrics())
  return {
    count: samples(fam, D, { http_route: route }, `${D}_count`).map((s) => [s.labels.http_response_status_code ?? s.labels.error_type, s.value]),
    sum: samples(fam, D, { http_route: route }, `${D}_sum`).reduce((total, s) => total + s.value, 0),
    firstBucket: samples(fam, D, { http_route: route, le: '0.05' }, `${D}_bucket`)[0]?.value
  }
}

tap.test('server timing: a request is timed from Node receiving it to the response flushed', async (t) => {
  const { app, url } = await build(t)
  t.equal((await fetch(`${url}/slow`)).status, 200)
  t.equal((await fetch(`${url}/metrics`)).status, 200)
  t.same((await series(app, '/metrics')).count, [], 'the exposition route is not measured')
  const slow = await series(app, '/slow')
  t.same(slow.count, [['200', 1]])
  t.equal(slow.firstBucket, 0, 'not in the 50 ms bucket')
  t.ok(slow.sum >= 0.075 && slow.sum < 10, `sum ${slow.sum} s is the handler's 80 ms and a little more`)
})

tap.test('hooks timing: Fastify\'s reply.elapsedTime, for injected requests too', async (t) => {
  const { app } = await build(t, { timing: 'hooks' })
  await app.inject('/slow')
  await app.inject('/missing')
  t.same((await series(app, '__unmatched__')).count, [['404', 1]])
  const slow = await series(app, '/slow')
  t.same(slow.count, [['200', 1]])
  t.ok(slow.sum >= 0.075 && slow.sum < 10, `sum ${slow.sum} s`)
})

tap.test('server timing, injected requests: counted; timed by Fastify\'s timer only when something turns it on', async (t) => {
  const quiet = await build(t)
  await quiet.app.inject('/slow')
  t.same(await series(quiet.app, '/slow'), { count: [['200', 1]], sum: 0, firstBucket: 1 }, 'no logger, no onResponse hook: 0 ms')

  const timed = await build(t, {}, {}, (app) => app.addHook('onResponse', (_req, _reply, done) => done()))
  await timed.app.inject('/slow')
  const slow = await series(timed.app, '/slow')
  t.ok(slow.sum >= 0.075, `with an onResponse hook in the app: ${slow.sum} s`)
})

tap.test('server timing records replies sent before the handler, hijacked replies and unmatched requests', async (t) => {
  const shared = { slo: [] as string[] }
  const { app, url } = await build(t, {}, {}, (app) => {
    app.get('/guarded', { onRequest: refuse, config: shared }, async () => 'never')
    app.get('/guarded-too', { onRequest: refuse, config: shared }, async () => 'never')
    app.get('/unmeasured', { onRequest: refuse, config: { metrics: false } }, async () => 'never')
    app.get('/raw', (_req, reply) => {
      reply.hijack()
      reply.raw.writeHead(207)
      setTimeout(() => reply.raw.end('raw'), 10)
    })
  })
  t.equal((await fetch(`${url}/guarded`)).status, 429)
  t.equal((await fetch(`${url}/guarded-too`)).status, 429)
  t.equal((await fetch(`${url}/unmeasured`)).status, 429)
  t.equal((await fetch(`${url}/raw`)).status, 207)
  t.equal((await fetch(`${url}/nope/${Math.random()}`)).status, 404)
  t.same((await series(app, '/guarded')).count, [['429', 1]])
  t.same((await series(app, '/guarded-too')).count, [['429', 1]], 'each route keeps its own state though they share a config object')
  t.same(Object.getOwnPropertySymbols(shared), [], 'the caller\'s config object is not written to')
  t.same((await series(app, '/unmeasured')).count, [], 'a route with metrics: false is not recorded, even answered early')
  t.same((await series(app, '/raw')).count, [['207', 1]])
  t.same((await series(app, '__unmatched__')).count, [['404', 1]])
})

tap.test('server timing records the status finally sent when an onSend hook after ours fails', async (t) => {
  const { app, url } = await build(t, {}, {}, (app) => {
    app.register(async (child) => {
      // A route-level onSend runs after the app-wide ones, the plugin's included, and turns the 200 into a 500.
      child.addHook('onRoute', (route) => {
        route.onSend = [...[route.onSend ?? []].flat(), async (_req, reply) => {
          if (reply.statusCode === 200) throw new Error('late failure')
        }]
      })
      child.get('/late', async () => 'ok')
    })
  })
  t.equal((await fetch(`${url}/late`)).status, 500)
  t.same((await series(app, '/late')).count, [['500', 1]])
})

tap.test('a timed-out request is counted once, as a timeout, even if the handler finishes its stream later', async (t) => {
  const stream = new PassThrough()
  const { app, url } = await build(t, {}, { connectionTimeout: 150 }, (app) => {
    app.get('/stuck', async () => {
      stream.write('first chunk')
      return stream
    })
  })
  const { port } = new URL(url)
  const answered = new Promise<string>((resolve) => {
    const req = request({ port, path: '/stuck' }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => { body += String(chunk) })
      res.on('end', () => resolve(body))
      res.on('error', () => resolve(body))
    })
    req.on('error', () => resolve(''))
    req.end()
  })
  await waitUntil(async () => (await series(app, '/stuck')).count.length > 0, 'the timeout to be recorded')
  stream.end('last chunk')
  t.equal(await answered, 'first chunk', 'Node destroyed the timed-out socket')
  await sleep(50)
  t.same((await series(app, '/stuck')).count, [['timeout', 1]])
})

tap.test('server timing: a request that arrived before the subscription is recorded once, by its own finish listener', async (t) => {
  const { app, url } = await build(t, {}, {}, (app) => {
    // As if Node received the request before the plugin subscribed to the server channels: no start stamp.
    app.addHook('onRequest', async (request) => { delete (request.raw as TimedRequest)[kStartedAt] })
  })
  t.equal((await fetch(`${url}/slow`)).status, 200)
  await waitUntil(async () => (await series(app, '/slow')).count.length > 0, 'the request to be recorded')
  await sleep(20)
  t.same(await series(app, '/slow'), { count: [['200', 1]], sum: 0, firstBucket: 1 },
    'counted once, timed by Fastify\'s timer (off here, so 0 ms), never a NaN duration')
})

tap.test('apps in one process record only their own requests; the server channels are released with the last app', async (t) => {
  const finish = channel(FINISH_CHANNEL)
  const start = channel(START_CHANNEL)
  const a = await build(t)
  const b = await build(t)
  t.ok(finish.hasSubscribers && start.hasSubscribers)
  await fetch(`${a.url}/slow`)
  await fetch(`${a.url}/slow`)
  await fetch(`${b.url}/slow`)
  t.same((await series(a.app, '/slow')).count, [['200', 2]])
  t.same((await series(b.app, '/slow')).count, [['200', 1]])
  await a.app.close()
  await fetch(`${b.url}/slow`)
  t.same((await series(b.app, '/slow')).count, [['200', 2]], 'the other app still records')
  await b.app.close()
  await b.app.close()
  t.notOk(finish.hasSubscribers || start.hasSubscribers)
})

tap.test('HTTP/2: hooks timing by default; server timing is refused', async (t) => {
  const app = Fastify({ http2: true })
  t.teardown(() => app.close())
  await app.register(metrics, { runtimeMetrics: false, cacheMs: 0 })
  app.get('/slow', async () => {
    await sleep(80)
    return 'x'
  })
  await app.ready()
  await app.inject('/slow')
  const slow = await series(app, '/slow')
  t.ok(slow.sum >= 0.075, `timed by Fastify: ${slow.sum} s`)

  const refused = Fastify({ http2: true })
  t.teardown(() => refused.close())
  refused.register(metrics, { runtimeMetrics: false, timing: 'server' })
  await t.rejects(async () => { await refused.ready() }, {
    code: 'HL_METRICS_INVALID_OPTION',
    message: "Invalid @highload/metrics option timing: got 'server', expected 'hooks' on an HTTP/2 server: Node publishes no server events for HTTP/2"
  })
})

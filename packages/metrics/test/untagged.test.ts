import { createServer, request } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import type { ConstraintStrategy, Handler, HTTPVersion } from 'find-my-way'
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify'
import tap, { type Test } from 'tap'
import { waitUntil } from '@highload/testing'
import metrics, { type FastifyHighloadMetricsOptions } from '../src/index.js'
import { serve } from './helpers/http.js'
import { parseExposition, samples } from './helpers/parse.js'
import { refuse } from './helpers/refuse.js'

// Requests no handler tagged, in server timing: replies sent before the handler, unmatched requests,
// aborts before the handler. The route index finds their route; these tests pin its parity with
// Fastify's router and its fallbacks.

const D = 'http_server_request_duration_seconds'
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function app (t: Test, opts: FastifyHighloadMetricsOptions = {}, fastifyOpts: FastifyServerOptions = {}): Promise<FastifyInstance> {
  const instance = Fastify(fastifyOpts)
  t.teardown(() => instance.close())
  await instance.register(metrics, { runtimeMetrics: false, cacheMs: 0, suiteEvents: false, ...opts })
  return instance
}

/** Per route label: [status or error type, count], in exposition order. */
async function counts (instance: FastifyInstance): Promise<Record<string, Array<[string, number]>>> {
  const out: Record<string, Array<[string, number]>> = {}
  for (const s of samples(parseExposition(await instance.slo.metrics()), D, {}, `${D}_count`)) {
    const route = s.labels.http_route ?? s.labels.route ?? ''
    ;(out[route] ??= []).push([s.labels.error_type === 'aborted' ? 'aborted' : s.labels.http_response_status_code ?? '', s.value])
  }
  return out
}

async function total (instance: FastifyInstance): Promise<number> {
  return Object.values(await counts(instance)).flat().reduce((sum, [, n]) => sum + n, 0)
}

tap.test('router options: an early reply on a URL variant Fastify routes to a route is recorded under that route', async (t) => {
  for (const [name, fastifyOpts] of [
    ['routerOptions', { routerOptions: { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true } }],
    ['deprecated top-level options', { caseSensitive: false, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true }]
  ] as const) {
    const instance = await app(t, {}, fastifyOpts)
    instance.get('/guarded/:id', { onRequest: refuse }, async () => 'never')
    for (const host of ['a.example', 'b.example']) {
      instance.get('/hosted', { constraints: { host }, config: { statsId: host }, onRequest: refuse }, async () => 'never')
    }
    const send = await serve(t, instance)
    for (const url of ['/guarded/1', '/GUARDED/2/', '//guarded//3']) t.equal(await send(url), 429, `${name}: ${url}`)
    t.equal(await send('/hosted', 'GET', { host: 'b.example' }), 429)
    await waitUntil(async () => await total(instance) === 4, 'all four to be recorded')
    t.same(await counts(instance), { '/guarded/:id': [['429', 3]], 'b.example': [['429', 1]] }, `${name}; the host constraint picks the route`)
  }
})

tap.test('a reply on a route registered before the plugin is not recorded, early or not; a bad URL is unmatched', async (t) => {
  const instance = Fastify({ routerOptions: { maxParamLength: 20 } })
  t.teardown(() => instance.close())
  instance.get('/before', { onRequest: refuse }, async () => 'never')
  instance.get('/before-handler', async () => 'ok')
  await instance.register(metrics, { runtimeMetrics: false, cacheMs: 0, suiteEvents: false })
  instance.get('/after/:id', async () => 'ok')
  const send = await serve(t, instance)
  t.equal(await send('/before'), 429)
  t.equal(await send('/before-handler'), 200)
  t.equal(await send('/after/%zz'), 400, 'Fastify refuses a malformed URL before routing')
  t.equal(await send(`/after/${'x'.repeat(30)}`), 414, 'and a parameter over maxParamLength')
  t.equal(await send('/after/1'), 200)
  await waitUntil(async () => await total(instance) === 3, 'the measured replies to be recorded')
  await sleep(30)
  t.same(await counts(instance), { '/after/:id': [['200', 1]], __unmatched__: [['400', 1], ['414', 1]] })
})

tap.test('a route the index cannot hold (a custom constraint) is watched by its own hooks', async (t) => {
  const tenant: ConstraintStrategy<HTTPVersion.V1> = {
    name: 'tenant',
    storage () {
      const handlers = new Map<string, Handler<HTTPVersion.V1>>()
      return { get: (value) => handlers.get(value) ?? null, set: (value, handler) => { handlers.set(value, handler) } }
    },
    validate: () => {},
    deriveConstraint: (req) => String(req.headers['x-tenant']),
    mustMatchWhenDerived: false
  }
  const instance = await app(t, {}, { routerOptions: { constraints: { tenant } } })
  let open: () => void = () => {}
  let gated = false
  instance.get('/t', { constraints: { tenant: 'a' } }, async () => 'a')
  instance.get('/t/early', { constraints: { tenant: 'a' }, onRequest: refuse }, async () => 'never')
  instance.get('/t/gated', {
    constraints: { tenant: 'a' },
    preHandler: async () => {
      gated = true
      await new Promise<void>((resolve) => { open = resolve })
    }
  }, async () => 'late')
  await instance.listen({ port: 0, host: '127.0.0.1' })
  const { port } = instance.server.address() as AddressInfo
  const get = (path: string) => fetch(`http://127.0.0.1:${port}${path}`, { headers: { 'x-tenant': 'a' } })
  t.equal((await get('/t')).status, 200)
  t.equal((await get('/t/early')).status, 429)
  const req = request({ port, path: '/t/gated', headers: { 'x-tenant': 'a' } })
  req.on('error', () => {})
  req.end()
  await waitUntil(() => gated, 'the preHandler to start')
  req.destroy()
  await waitUntil(async () => await total(instance) === 3, 'all three to be recorded')
  open()
  await sleep(30)
  t.same(await counts(instance), { '/t': [['200', 1]], '/t/early': [['429', 1]], '/t/gated': [['aborted', 1]] })
})

tap.test('aborts before the handler: during the body upload, and every request in flight on a pipelined connection', async (t) => {
  const instance = await app(t)
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => { release = resolve })
  let reading = false
  instance.post('/upload', { preParsing: async (_req, _reply, payload) => { reading = true; return payload } }, async () => 'stored')
  instance.get('/hello', async () => 'hi')
  instance.get('/slow', async () => {
    await held
    return 'late'
  })
  await instance.listen({ port: 0, host: '127.0.0.1' })
  const { port } = instance.server.address() as AddressInfo

  const upload = request({ port, path: '/upload', method: 'POST', headers: { 'content-type': 'text/plain', 'content-length': 1000 } })
  upload.on('error', () => {})
  upload.write(Buffer.alloc(10))
  await waitUntil(() => reading, 'the body to be read')
  upload.destroy()
  await waitUntil(async () => await total(instance) === 1, 'the upload abort to be recorded')
  t.same(await counts(instance), { '/upload': [['aborted', 1]] })

  // Three requests in one write: the first is answered, the other two are in flight when the connection drops.
  const socket = connect(port, '127.0.0.1')
  let answered = ''
  socket.on('data', (chunk: Buffer) => { answered += String(chunk) })
  socket.write(['/hello', '/slow', '/slow'].map((path) => `GET ${path} HTTP/1.1\r\nHost: x\r\n\r\n`).join(''))
  await waitUntil(() => answered.includes('hi'), 'the first response')
  socket.destroy()
  await waitUntil(async () => await total(instance) === 4, 'both aborts to be recorded')
  release()
  await sleep(30)
  t.same(await counts(instance), { '/upload': [['aborted', 1]], '/hello': [['200', 1]], '/slow': [['aborted', 2]] }, 'each counted once')

  // A connection the server closes after a complete response: finished first, so not an abort.
  const closed = await new Promise<string | undefined>((resolve, reject) => {
    const req = request({ port, path: '/hello', agent: false, headers: { connection: 'close' } }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.headers.connection))
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(closed, 'close', 'the server closes the connection after the response')
  await waitUntil(async () => await total(instance) === 5, 'the response to be recorded')
  await sleep(30)
  t.same((await counts(instance))['/hello'], [['200', 2]], 'no abort for a connection closed after its response')
})

tap.test('fastify.inject(): server timing records what a handler sends; hooks timing records every reply', async (t) => {
  for (const timing of ['server', 'hooks'] as const) {
    const instance = await app(t, { timing })
    instance.get('/hello', async () => 'hi')
    instance.get('/guarded', { onRequest: refuse }, async () => 'never')
    await instance.ready()
    t.equal((await instance.inject('/hello')).statusCode, 200)
    t.equal((await instance.inject('/guarded')).statusCode, 429)
    t.equal((await instance.inject('/missing')).statusCode, 404)
    t.same(await counts(instance), timing === 'server'
      ? { '/hello': [['200', 1]] }
      : { '/hello': [['200', 1]], '/guarded': [['429', 1]], __unmatched__: [['404', 1]] }, timing)
  }
})

tap.test('one process: a hooks-timed app beside a server-timed one, and a plain Node server, each keep to their own', async (t) => {
  const timedByServer = await app(t)
  timedByServer.get('/hello', async () => 'hi')
  const timedByHooks = await app(t, { timing: 'hooks' })
  timedByHooks.get('/hello', async () => 'hi')
  timedByHooks.get('/guarded', { onRequest: refuse }, async () => 'never')
  const plain = createServer((_req, res) => res.end('plain'))
  await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { plain.close() })
  const byServer = await serve(t, timedByServer)
  const byHooks = await serve(t, timedByHooks)
  t.equal(await byServer('/hello'), 200)
  t.equal(await byHooks('/hello'), 200)
  t.equal(await byHooks('/guarded'), 429)
  t.equal(await byHooks('/missing'), 404)
  const response = await fetch(`http://127.0.0.1:${(plain.address() as AddressInfo).port}/anything`)
  t.equal(await response.text(), 'plain', 'a server no plugin owns answers; its requests are not resolved')
  await waitUntil(async () => await total(timedByHooks) === 3 && await total(timedByServer) === 1, 'all to be recorded')
  t.same(await counts(timedByHooks), { '/hello': [['200', 1]], '/guarded': [['429', 1]], __unmatched__: [['404', 1]] },
    'the other app\'s server timing does not mark these requests as settled')
  t.same(await counts(timedByServer), { '/hello': [['200', 1]] })
})

tap.test('hostile request targets and constraint headers neither crash the server nor invent routes', async (t) => {
  const instance = await app(t)
  instance.get('/p/:id', async () => 'p')
  instance.get('/v', { constraints: { version: '1.2.0' }, onRequest: refuse }, async () => 'never')
  await instance.listen({ port: 0, host: '127.0.0.1' })
  const { port } = instance.server.address() as AddressInfo
  // Raw bytes, as a client that does not normalise its request line would send them.
  const status = (head: string) => new Promise<string>((resolve) => {
    const socket = connect(port, '127.0.0.1')
    let answer = ''
    socket.on('data', (chunk: Buffer) => { answer += String(chunk) })
    socket.on('close', () => resolve(answer.split('\r\n')[0]?.split(' ')[1] ?? 'none'))
    socket.on('error', () => resolve('error'))
    socket.end(`${head}\r\nHost: x\r\nConnection: close\r\n\r\n`)
  })
  const sent = {
    absoluteForm: await status('GET http://evil.example/p/1 HTTP/1.1'),
    asterisk: await status('GET * HTTP/1.1'),
    queryOnly: await status('GET ?x HTTP/1.1'),
    unclosedHost: await status('GET http://[::1 HTTP/1.1'),
    brokenEncoding: await status('GET /p/%E0%A4%A HTTP/1.1'),
    unparsableVersion: await status('GET /v HTTP/1.1\r\nAccept-Version: x.y.z'),
    rangeVersion: await status('GET /v HTTP/1.1\r\nAccept-Version: 1.x')
  }
  t.same(sent, { absoluteForm: '200', asterisk: '404', queryOnly: '400', unclosedHost: '400', brokenEncoding: '400', unparsableVersion: '404', rangeVersion: '429' })
  await waitUntil(async () => await total(instance) === 6, 'six to be recorded')
  await sleep(30)
  t.same(await counts(instance), {
    '/p/:id': [['200', 1]],
    __unmatched__: [['404', 2], ['400', 2]],
    '/v': [['429', 1]]
  }, 'the absolute-form target reaches its route, the version range picks the constrained route, and the target Node\'s parser refuses (?x) is not recorded')
})

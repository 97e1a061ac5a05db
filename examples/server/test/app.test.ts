import t, { type Test } from 'tap'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { app } from './helpers/app.js'

async function upstream (t: Test, status: () => number): Promise<string> {
  const server: Server = createServer((_req, res) => {
    const code = status()
    res.writeHead(code, { 'content-type': 'application/json' }).end(JSON.stringify({ code }))
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => { server.closeAllConnections(); server.close() })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/`
}

t.test('GET / answers hello world', async (t) => {
  const res = await (await app(t)).inject('/')
  t.equal(res.statusCode, 200)
  t.same(res.json(), { hello: 'world' })
})

t.test('the rate limit applies to application routes but never to probes', async (t) => {
  const server = await app(t, { RATE_LIMIT_MAX: '2' })
  const codes = []
  for (let i = 0; i < 3; i++) codes.push((await server.inject('/')).statusCode)
  t.same(codes, [200, 200, 429], 'the third request in the window is limited')
  for (const path of ['/livez', '/readyz', '/health']) {
    const probeCodes = []
    for (let i = 0; i < 5; i++) probeCodes.push((await server.inject(path)).statusCode)
    t.same(probeCodes, [200, 200, 200, 200, 200], `${path} is not limited`)
  }
})

t.test('readiness fails from the first moment of drain while liveness and traffic carry on', async (t) => {
  const exits: number[] = []
  const server = await app(t, { DRAIN_DELAY_MS: '400' }, (code) => exits.push(code))
  t.equal((await server.inject('/readyz')).statusCode, 200, 'ready before the drain')

  const done = server.shutdown.start('test')
  t.equal(server.shutdown.phase, 'draining')
  const ready = await server.inject('/readyz')
  t.equal(ready.statusCode, 503, 'not ready while draining')
  t.ok(ready.headers['retry-after'], 'with Retry-After')
  t.equal((await server.inject('/livez')).statusCode, 200, 'still live')
  const res = await server.inject('/')
  t.equal(res.statusCode, 200, 'requests are still served during the drain delay')
  t.equal(res.headers.connection, 'close', 'and told to reconnect elsewhere')

  await done
  t.equal(server.shutdown.phase, 'closed')
  t.same(exits, [0], 'the sequence ends with exit code 0')
})

t.test('a failing upstream opens its breaker: 503 with Retry-After, health warns, then it recovers', async (t) => {
  let status = 500
  const server = await app(t, { UPSTREAM_URL: await upstream(t, () => status) })

  const first = await server.inject('/upstream')
  t.equal(first.statusCode, 502, 'an upstream 5xx is passed on as a bad gateway')
  for (let i = 0; i < 4; i++) await server.inject('/upstream')

  const open = await server.inject('/upstream')
  t.equal(open.statusCode, 503, 'the breaker is open after 5 failures out of 5')
  t.match(open.json(), { code: 'HL_BREAKER_OPEN' })
  const retryAfter = Number(open.headers['retry-after'])
  t.ok(retryAfter >= 1 && retryAfter <= 5, `Retry-After is the open time left (${retryAfter})`)
  t.equal(server.breaker('upstream').state, 'open')

  // the breaker's check runs every second: the component fails, the non-critical failure makes
  // the service "warn" (still 200)
  let report = await server.inject('/health')
  for (let i = 0; i < 50 && report.json().status !== 'warn'; i++) {
    await new Promise((resolve) => setTimeout(resolve, 100))
    report = await server.inject('/health')
  }
  t.equal(report.statusCode, 200)
  t.match(report.json(), { status: 'warn', checks: { 'breaker.upstream:responseTime': [{ status: 'fail' }] } })
  t.equal((await server.inject('/readyz')).statusCode, 200, 'a non-critical open breaker keeps the pod ready')

  status = 200
  server.breaker.reset('upstream')
  const recovered = await server.inject('/upstream')
  t.equal(recovered.statusCode, 200, 'after a reset the upstream answer comes through')
  t.same(recovered.json(), { code: 200 })
})

t.test('without UPSTREAM_URL there is no /upstream route', async (t) => {
  t.equal((await (await app(t)).inject('/upstream')).statusCode, 404)
})

t.test('metrics measure application routes over HTTP, rate-limited replies included, and leave probes and their own endpoints out', async (t) => {
  // Over a real socket: the metrics plugin's default timing reads Node's HTTP server events,
  // which fastify.inject() bypasses.
  const server = await app(t, { RATE_LIMIT_MAX: '4' })
  await server.listen({ port: 0, host: '127.0.0.1' })
  const base = `http://127.0.0.1:${(server.server.address() as AddressInfo).port}`
  // The limit counts every limited route per client, /metrics and /slo included: read them first.
  const res = await fetch(`${base}/metrics`)
  t.equal(res.status, 200)
  t.match(res.headers.get('content-type'), /^text\/plain; version=0\.0\.4/)
  t.match(await res.text(), /^process_cpu_user_seconds_total /m, 'runtime metrics from fastify-metrics share the response')
  const slo = await fetch(`${base}/slo`)
  t.equal(slo.status, 200)
  t.same(((await slo.json()) as { slos: Array<{ name: string }> }).slos.map((s) => s.name), ['availability', 'latency'])
  const codes = []
  for (const path of ['/', '/', '/', '/readyz', '/livez', '/health', '/no-such-route']) codes.push((await fetch(base + path)).status)
  t.same(codes, [200, 200, 429, 200, 200, 200, 404])

  // Recorded when each response is flushed, which can trail the client reading it.
  const deadline = Date.now() + 5000
  while (!(await server.slo.metrics()).includes('__unmatched__') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10))
  const body = await server.slo.metrics()
  const routes = new Set([...body.matchAll(/http_route="([^"]*)"/g)].map((m) => m[1]))
  t.same([...routes].sort(), ['/', '__unmatched__'], 'only the application route and the unmatched bucket')
  t.match(body, /^http_server_request_duration_seconds_count\{http_request_method="GET",http_route="\/",http_response_status_code="429"\} 1$/m,
    'the 429 the rate limit sent before the handler is recorded under its route')
  t.match(body, /^highload_slo_events_total\{slo="availability",outcome="good"\} 3$/m, 'GET / counted as good three times: a 429 is not bad')
  t.notMatch(body, /outcome="bad"\} [1-9]/, 'and nothing counted as bad')
})

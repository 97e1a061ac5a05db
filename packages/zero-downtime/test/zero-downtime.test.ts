// The kit against a server with @highload/shutdown, and against the naive template as the control.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { AddressInfo } from 'node:net'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { ReadinessProxy, codes, freePort, runZeroDowntime } from '../src/index.js'

const kit = {
  connections: 10,
  signalAtMs: 1000,
  pollIntervalMs: 200,
  propagationDelayMs: 500,
  budgetMs: 10_000,
  startTimeoutMs: 60_000 // a shared CI machine can be slow to start two servers
}

function summary (r: Awaited<ReturnType<typeof runZeroDowntime>>): string {
  const { output, ...stopped } = r.stopped
  return JSON.stringify({ ...r, stopped })
}

t.test('with @highload/shutdown: no failed request, no non-2xx, no reset, exit 0 within budget', async (t) => {
  const report = await runZeroDowntime({ ...kit, entry: new URL('./fixtures/kit-server.mjs', import.meta.url) })
  t.comment(`plugin: ${summary(report)}`)
  t.ok(report.requests > 100, 'load ran')
  t.equal(report.failed, 0)
  t.equal(report.non2xx, 0)
  t.equal(report.resets, 0)
  t.same(report.upstreamErrors, {})
  t.equal(report.stopped.exitCode, 0)
  t.ok(report.stopped.exitMs <= 10_000)
  t.ok(report.stopped.servedAfterSignal > 0, 'A kept serving after SIGTERM')
  // A few responses can leave A between the kit's clock and the signal's delivery.
  t.ok(report.stopped.connectionCloseAfterSignal >= report.stopped.servedAfterSignal - kit.connections, 'responses after SIGTERM carried Connection: close')
  t.equal(report.ok, true)
})

t.test('control, the naive template: the kit sees the failures', async (t) => {
  const report = await runZeroDowntime({ ...kit, entry: new URL('./fixtures/kit-naive.mjs', import.meta.url) })
  t.comment(`naive: ${summary(report)}`)
  t.ok(report.requests > 100, 'load ran')
  t.ok(report.non2xx + report.failed + report.resets > 0, 'failures seen')
  t.equal(report.ok, false)
})

t.test('an instance that dies before it is ready fails the run with its output', async (t) => {
  await t.rejects(runZeroDowntime({ entry: fileURLToPath(new URL('./fixtures/exits-at-once.mjs', import.meta.url)) }),
    { code: codes.NOT_READY, message: /^instance [AB] did not become ready on 127\.0\.0\.1:\d+\/readyz; output:\n[^]*missing configuration/ })
})

t.test('an instance that ignores SIGTERM is reported as not exiting', async (t) => {
  const report = await runZeroDowntime({
    entry: new URL('./fixtures/ignores-sigterm.mjs', import.meta.url),
    durationMs: 2000,
    budgetMs: 500
  })
  t.equal(report.stopped.exitCode, null)
  t.equal(report.stopped.exitMs, Number.POSITIVE_INFINITY)
  t.equal(report.ok, false)
})

t.test('proxy: an upstream that breaks mid-response is counted and the client cut off', async (t) => {
  const upstream = http.createServer((req, res) => {
    if (req.url === '/readyz') return res.end('ok')
    res.writeHead(200, { 'content-length': 100 })
    res.write('partial')
    setTimeout(() => res.socket?.destroy(), 20)
  })
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve))
  t.teardown(() => upstream.close())
  const proxy = new ReadinessProxy({ upstreams: [{ name: 'u', host: '127.0.0.1', port: (upstream.address() as AddressInfo).port }] })
  const port = await proxy.listen()
  t.teardown(() => proxy.close())
  t.equal(proxy.routable('u'), true)
  const err = await new Promise<Error>((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
      res.on('error', resolve).resume()
    }).on('error', resolve)
  })
  t.ok(err instanceof Error)
  t.same(proxy.stats('u').errors, { ECONNRESET: 1 })
})

t.test('proxy: 503 when no upstream is routable; unknown upstream names throw', async (t) => {
  const port = await freePort('127.0.0.1')
  const proxy = new ReadinessProxy({ upstreams: [{ name: 'gone', host: '127.0.0.1', port }], propagationDelayMs: 0 })
  const proxyPort = await proxy.listen()
  t.teardown(() => proxy.close())
  t.equal(proxy.routable('gone'), false)
  const status = await new Promise<number>((resolve) => {
    http.get({ host: '127.0.0.1', port: proxyPort, path: '/', agent: false }, (res) => { res.resume(); resolve(res.statusCode ?? 0) })
  })
  t.equal(status, 503)
  t.equal(proxy.noUpstream, 1)
  t.throws(() => proxy.stats('other'), { code: codes.UNKNOWN_UPSTREAM, message: 'unknown upstream other (the proxy has gone)' })
})

t.test('when one instance fails to start, the other one is stopped before the run fails', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'hl-zd-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const marker = join(dir, 'marker')
  await t.rejects(runZeroDowntime({
    entry: new URL('./fixtures/one-of-two.mjs', import.meta.url),
    env: { MARKER: marker },
    startTimeoutMs: 60_000
  }), { code: codes.NOT_READY, message: /the other instance claimed the marker/ })
  const pid = Number(readFileSync(marker, 'utf8'))
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, 'the instance that started is gone')
})

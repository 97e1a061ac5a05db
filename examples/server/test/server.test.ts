import t from 'tap'
import { spawnServer } from './helpers/spawn-server.js'

async function untilReady (url: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while ((await fetch(`${url}/readyz`)).status !== 200) {
    if (Date.now() > deadline) throw new Error('never became ready')
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}

t.test('the built server serves, fails readiness during the drain on SIGTERM, and exits 0', async (t) => {
  const server = await spawnServer({ DRAIN_DELAY_MS: '1500' })
  t.teardown(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL') })
  t.ok(server.logs.some((l) => /^shutdown budget: drain delay 1500 ms/.test(l.msg)), 'logs its shutdown budget')

  await untilReady(server.url)
  const res = await fetch(`${server.url}/`)
  t.equal(res.status, 200)
  t.same(await res.json(), { hello: 'world' })

  server.child.kill('SIGTERM')
  // readiness fails at once; keep probing until it does (the signal is delivered asynchronously)
  let ready = await fetch(`${server.url}/readyz`)
  for (let i = 0; i < 20 && ready.status === 200; i++) {
    await new Promise((resolve) => setTimeout(resolve, 25))
    ready = await fetch(`${server.url}/readyz`)
  }
  t.equal(ready.status, 503, 'readiness fails during the drain')
  t.equal((await fetch(`${server.url}/livez`)).status, 200, 'liveness stays green')
  const during = await fetch(`${server.url}/`)
  t.equal(during.status, 200, 'traffic is still served during the drain delay')
  t.equal(during.headers.get('connection'), 'close', 'keep-alive clients are told to reconnect')

  t.equal(await server.exited, 0, 'clean exit code')
  const shutdownLines = server.logs.map((l) => l.msg).filter((msg) => msg.startsWith('shutdown: '))
  t.match(shutdownLines, [
    'shutdown: SIGTERM received',
    /^shutdown: draining/,
    /^shutdown: closing the listener/,
    /^shutdown: complete \(closed\) in \d+ ms, exiting with code 0$/
  ], 'logs the sequence')
  t.ok(server.logs.some((l) => l.msg === 'service is not ready' && l.reason === 'serving: shutting down'), 'health logs the transition')
})

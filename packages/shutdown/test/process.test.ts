// Child-process tests: the fixture server runs the plugin with real signal handling
// (close-with-grace + our listeners) and we send it real signals.
import http from 'node:http'
import t from 'tap'
import { get, startFixture, type LogLine } from './helpers.js'

const phasesOf = (lines: LogLine[]): unknown[] => lines.filter((l) => l.fixture === 'phase').map((l) => l.phase)
const logged = (lines: LogLine[], text: string): boolean => lines.some((l) => String(l.msg).includes(text))

t.test('SIGTERM: drains, serves with Connection: close, finishes in-flight work, exits 0', async (t) => {
  const child = startFixture({ options: { drainDelayMs: 600, gracePeriodMs: 10_000 }, onShutdownLog: true })
  const port = await child.port
  const agent = new http.Agent({ keepAlive: true })
  t.teardown(() => agent.destroy())
  t.equal((await get(port, '/', agent)).status, 200, 'a pooled keep-alive socket, then idle')

  const started = performance.now()
  child.process.kill('SIGTERM')
  await child.waitFor((l) => l.fixture === 'phase' && l.phase === 'draining')
  const during = await get(port, '/phase')
  t.equal(during.status, 200, 'still serving during the drain delay')
  t.equal(during.headers.connection, 'close', 'responses tell clients to reconnect elsewhere')
  t.same(JSON.parse(during.body), { phase: 'draining' })
  // Still in flight when the listener closes: it must finish normally.
  const slow = get(port, '/slow?ms=1500')

  const exit = await child.exited
  const slowResponse = await slow
  t.equal(slowResponse.status, 200, 'in-flight request finished')
  t.equal(slowResponse.headers.connection, 'close')
  t.equal(exit.code, 0)
  t.ok(exit.at - started < 10_000, 'exits within 10 s')
  t.same(phasesOf(child.lines), ['draining', 'closing', 'closed'])
  const closed = child.lines.find((l) => l.fixture === 'phase' && l.phase === 'closed') as LogLine
  t.equal(closed.reason, 'SIGTERM')
  t.ok(Number(closed.servedDuringDrain) >= 2, 'requests served during the drain are counted')
  t.ok(Number(closed.socketsReaped) >= 1, 'the idle pooled socket was reaped')
  t.equal(closed.socketsForced, 0)
  t.ok(logged(child.lines, 'shutdown budget: drain delay 600 ms'))
  t.ok(child.lines.some((l) => l.fixture === 'onShutdown' && l.reason === 'SIGTERM'), 'onShutdown hook ran with the reason')
  t.ok(logged(child.lines, 'exiting with code 0'))
})

t.test('a second SIGTERM skips the rest of the drain delay', async (t) => {
  const child = startFixture({ options: { drainDelayMs: 20_000, gracePeriodMs: 60_000 } })
  const port = await child.port
  const started = performance.now()
  child.process.kill('SIGTERM')
  await child.waitFor((l) => l.fixture === 'phase' && l.phase === 'draining')
  const slow = get(port, '/slow?ms=1500')
  await child.waitFor((l) => String(l.msg) === 'incoming request' && String((l.req as { url?: string })?.url).startsWith('/slow'))
  child.process.kill('SIGTERM')
  await child.waitFor((l) => l.fixture === 'phase' && l.phase === 'closing')
  child.process.kill('SIGTERM')
  await child.waitFor((l) => String(l.msg).includes('already past the drain delay'))
  t.equal((await slow).status, 200)
  const exit = await child.exited
  t.equal(exit.code, 0)
  t.ok(exit.at - started < 12_000, 'did not wait for the 20 s drain delay')
  t.ok(logged(child.lines, 'second SIGTERM, skipping the rest of the drain delay'))
})

t.test('a second SIGINT exits at once with 130', async (t) => {
  const child = startFixture({ options: { drainDelayMs: 20_000, gracePeriodMs: 60_000 } })
  await child.port
  const started = performance.now()
  child.process.kill('SIGTERM')
  await child.waitFor((l) => l.fixture === 'phase' && l.phase === 'draining')
  child.process.kill('SIGINT')
  const exit = await child.exited
  t.equal(exit.code, 130)
  t.ok(exit.at - started < 10_000)
  t.ok(logged(child.lines, 'second SIGINT, exiting now with code 130'))
})

t.test('SIGINT alone is graceful', async (t) => {
  const child = startFixture({ options: { gracePeriodMs: 10_000 } })
  await child.port
  child.process.kill('SIGINT')
  const exit = await child.exited
  t.equal(exit.code, 0)
  t.same(phasesOf(child.lines), ['draining', 'closing', 'closed'])
})

for (const [route, label] of [['/crash', 'uncaught exception'], ['/reject', 'unhandled rejection']]) {
  t.test(`${label}: short crash path, exit 1`, async (t) => {
    const child = startFixture({ options: { drainDelayMs: 20_000, gracePeriodMs: 60_000 } })
    const port = await child.port
    const started = performance.now()
    t.equal((await get(port, route as string)).status, 200)
    const exit = await child.exited
    t.equal(exit.code, 1)
    t.ok(exit.at - started < 10_000, 'no drain delay on the crash path')
    t.ok(logged(child.lines, 'taking the crash path'))
    t.same(phasesOf(child.lines), ['draining', 'closing', 'closed'])
    t.ok(logged(child.lines, 'exiting with code 1'))
  })
}

t.test('a stuck onClose hook is named and the process exits 1', async (t) => {
  const child = startFixture({ options: { gracePeriodMs: 10_000, cleanupMs: 500 }, stuckHook: true })
  await child.port
  const started = performance.now()
  child.process.kill('SIGTERM')
  const exit = await child.exited
  t.equal(exit.code, 1)
  t.ok(exit.at - started < 10_000)
  const line = child.lines.find((l) => String(l.msg).includes('cleanup budget of 500 ms used up')) as LogLine
  t.ok(line, 'cleanup timeout logged')
  t.match(String(line.msg), /endPool \(plugin database\) running for \d+ ms/)
  t.equal((line.err as { code?: string }).code, 'HL_SHUTDOWN_CLEANUP_TIMEOUT')
})

t.test('the hard deadline exits 1 with diagnostics', async (t) => {
  const child = startFixture({ options: { gracePeriodMs: 2000, safetyMarginMs: 1000, requestDrainMs: 10_000, cleanupMs: 500 } })
  const port = await child.port
  t.ok(child.lines.some((l) => l.level === 40 && String(l.msg).includes('> grace period 2000 ms')), 'budget violation warned')
  const hanging = get(port, '/hang').catch((err: Error) => err)
  await child.waitFor((l) => String(l.msg) === 'incoming request')
  const started = performance.now()
  child.process.kill('SIGTERM')
  const exit = await child.exited
  t.equal(exit.code, 1)
  t.ok(exit.at - started < 10_000)
  const fatal = child.lines.find((l) => String(l.msg).includes('hard deadline of 1500 ms reached')) as LogLine
  t.ok(fatal)
  t.equal((fatal.err as { code?: string }).code, 'HL_SHUTDOWN_HARD_DEADLINE')
  t.match(fatal.inFlight, [{ method: 'GET', url: '/hang' }])
  t.type(fatal.activeHandles, 'object')
  t.ok(Number(fatal.openSockets) >= 1)
  await hanging
})

t.test('start() from a route runs the sequence and exits 0', async (t) => {
  const child = startFixture({ options: { gracePeriodMs: 10_000 } })
  const port = await child.port
  const res = await new Promise<number>((resolve, reject) => {
    http.request({ host: '127.0.0.1', port, path: '/stop', method: 'POST', agent: false }, (r) => { r.resume(); resolve(r.statusCode ?? 0) })
      .on('error', reject).end()
  })
  t.equal(res, 200)
  const exit = await child.exited
  t.equal(exit.code, 0)
  t.equal(child.lines.find((l) => l.fixture === 'phase')?.reason, 'deploy')
})

t.test('beforeExit runs the cleanup and exits 0 when nothing is listening', async (t) => {
  const child = startFixture({ listen: false })
  const exit = await child.exited
  t.equal(exit.code, 0)
  t.ok(child.lines.some((l) => l.fixture === 'cleanup'), 'onClose hooks ran')
  t.equal(child.lines.find((l) => l.fixture === 'phase')?.reason, 'beforeExit')
})

t.test('an error during the shutdown exits 1 at once', async (t) => {
  const child = startFixture({ options: { drainDelayMs: 20_000, gracePeriodMs: 60_000 } })
  const port = await child.port
  const started = performance.now()
  child.process.kill('SIGTERM')
  await child.waitFor((l) => l.fixture === 'phase' && l.phase === 'draining')
  t.equal((await get(port, '/crash')).status, 200)
  const exit = await child.exited
  t.equal(exit.code, 1)
  t.ok(exit.at - started < 10_000)
  t.ok(logged(child.lines, 'another error while shutting down'))
})

t.test('an exit function that returns: close-with-grace exits with the same code', async (t) => {
  const clean = startFixture({ options: { gracePeriodMs: 10_000 }, returningExit: true })
  await clean.port
  clean.process.kill('SIGTERM')
  t.equal((await clean.exited).code, 0)
  t.ok(clean.lines.some((l) => l.fixture === 'exit' && l.code === 0))

  const crash = startFixture({ options: { gracePeriodMs: 10_000 }, returningExit: true })
  const port = await crash.port
  await get(port, '/crash')
  t.equal((await crash.exited).code, 1)
  t.ok(crash.lines.some((l) => l.fixture === 'exit' && l.code === 1))

  const idle = startFixture({ listen: false, returningExit: true })
  t.equal((await idle.exited).code, 0)
  t.ok(idle.lines.some((l) => l.fixture === 'exit' && l.code === 0))
})

import t from 'tap'
import { eventLoopCheck, memoryCheck, postgresCheck, redisCheck } from '../src/index.js'
import type { HealthCheckResult, HealthCheckSpec } from '../src/index.js'
import { build } from './helpers.js'

const signal = new AbortController().signal
const run = async (spec: HealthCheckSpec): Promise<HealthCheckResult | undefined> =>
  (await spec.check({ signal })) ?? undefined

function busy (ms: number): void {
  const end = Date.now() + ms
  while (Date.now() < end) { /* block the loop on purpose */ }
}

t.test('eventLoopCheck reports utilisation and delay, never critical', async (t) => {
  const spec = eventLoopCheck({ critical: true } as unknown as Parameters<typeof eventLoopCheck>[0])
  t.teardown(() => spec.dispose?.())
  t.match(spec, { name: 'eventloop', componentType: 'system', measurement: 'utilization', critical: false })
  const first = await run(spec)
  t.same(first, { observedValue: null, observedUnit: '%' }, 'the first run starts sampling')
  await new Promise((resolve) => setTimeout(resolve, 50))
  const second = await run(spec)
  t.equal(second?.observedUnit, '%')
  t.ok((second?.observedValue as number) >= 0 && (second?.observedValue as number) <= 100)
  t.ok((second?.details?.delayP99Ms as number) >= 0)
  t.ok((second?.details?.delayMaxMs as number) >= 0)
  await spec.dispose?.()
  await spec.dispose?.()
})

t.test('eventLoopCheck fails on a blocked loop and on high utilisation', async (t) => {
  const delay = eventLoopCheck({ maxDelayMs: 20, maxUtilization: 1, resolutionMs: 5, name: 'loop' })
  t.teardown(() => delay.dispose?.())
  await run(delay) // starts sampling
  await new Promise((resolve) => setTimeout(resolve, 20))
  busy(150)
  await new Promise((resolve) => setTimeout(resolve, 20)) // let the sampler record the late tick
  await t.rejects(run(delay), { code: 'HL_HEALTH_CHECK_FAILED', message: /event-loop delay p99 [\d.]+ ms is above 20 ms/ })

  const utilisation = eventLoopCheck({ maxDelayMs: 100_000, maxUtilization: 0.01 })
  t.teardown(() => utilisation.dispose?.())
  await run(utilisation)
  busy(100)
  await t.rejects(run(utilisation), { code: 'HL_HEALTH_CHECK_FAILED', message: /event-loop utilization [\d.]+ is above 0.01/ })
})

t.test('eventLoopCheck validates its options', async (t) => {
  for (const options of [{ maxDelayMs: 0 }, { maxDelayMs: '5' }, { maxUtilization: 0 }, { maxUtilization: 1.5 }, { maxUtilization: '1' }, { resolutionMs: 0 }, { resolutionMs: 1.5 }]) {
    t.throws(() => eventLoopCheck(options as never), { code: 'HL_HEALTH_INVALID_OPTION' }, JSON.stringify(options))
  }
})

t.test('memoryCheck reports heap use against the V8 limit and fails over its limits', async (t) => {
  const spec = memoryCheck()
  t.match(spec, { name: 'memory', componentType: 'system', measurement: 'utilization', critical: false })
  const result = await run(spec)
  t.equal(result?.observedUnit, '%')
  t.ok((result?.observedValue as number) > 0 && (result?.observedValue as number) < 100)
  t.match(result?.details, { heapUsedBytes: Number, heapTotalBytes: Number, heapLimitBytes: Number, rssBytes: Number })
  await t.rejects(run(memoryCheck({ maxHeapUsedBytes: 1 })), { code: 'HL_HEALTH_CHECK_FAILED', message: /heap used \d+ bytes is above 1 bytes/ })
  await t.rejects(run(memoryCheck({ maxRssBytes: 1, name: 'rss' })), { code: 'HL_HEALTH_CHECK_FAILED', message: /rss \d+ bytes is above 1 bytes/ })
  for (const options of [{ maxHeapUsedBytes: 0 }, { maxRssBytes: 1.5 }, { maxRssBytes: '1' }]) {
    t.throws(() => memoryCheck(options as never), { code: 'HL_HEALTH_INVALID_OPTION' }, JSON.stringify(options))
  }
})

t.test('built-in checks plug into the engine as warn-only readiness checks', async (t) => {
  const { app } = await build(t)
  app.health.addCheck(eventLoopCheck())
  app.health.addCheck(memoryCheck({ maxHeapUsedBytes: 1 }))
  await app.ready()
  await new Promise((resolve) => setImmediate(resolve))
  const doc = app.health.status()
  t.equal(doc.status, 'warn', 'memory over its limit only warns')
  t.equal(doc.checks['eventloop:utilization']?.[0]?.status, 'pass')
  t.equal(doc.checks['memory:utilization']?.[0]?.status, 'fail')
  t.equal((await app.inject('/readyz')).statusCode, 200)
})

t.test('redisCheck and postgresCheck validate their client', async (t) => {
  t.throws(() => redisCheck({} as never), { code: 'HL_HEALTH_INVALID_OPTION', message: /redisCheck\(\) needs a client with a ping\(\) method/ })
  t.throws(() => redisCheck(undefined as never), { code: 'HL_HEALTH_INVALID_OPTION' })
  t.throws(() => postgresCheck({ query: async () => {} } as never), { code: 'HL_HEALTH_INVALID_OPTION', message: /postgresCheck\(\) needs a pg Pool/ })
  t.throws(() => postgresCheck({ pool: null } as never), { code: 'HL_HEALTH_INVALID_OPTION' })
  t.throws(() => postgresCheck(null as never), { code: 'HL_HEALTH_INVALID_OPTION' })
  t.match(redisCheck({ ping: async () => 'PONG' }, { name: 'cache', critical: true }), { name: 'cache', critical: true, componentType: 'datastore' })
})

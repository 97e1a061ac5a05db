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
  // limits no loaded machine reaches: this test is about what a passing run reports
  const spec = eventLoopCheck({ maxDelayMs: 60_000, maxUtilization: 1 })
  t.teardown(() => spec.dispose?.())
  t.match(spec, { name: 'eventloop', componentType: 'system', measurement: 'utilization', critical: false })
  t.throws(() => eventLoopCheck({ critical: true } as unknown as Parameters<typeof eventLoopCheck>[0]), {
    code: 'HL_HEALTH_INVALID_OPTION',
    message: /^Invalid @highload\/health option eventLoopCheck\.critical: got true, expected one of the known options \(/
  }, 'critical is not an option of a check that is never critical')
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
    const [key, value] = Object.entries(options)[0] as [string, unknown]
    t.throws(() => eventLoopCheck(options as never), {
      code: 'HL_HEALTH_INVALID_OPTION',
      message: `Invalid @highload/health option eventLoopCheck.${key}: got ${typeof value === 'string' ? `'${value}'` : String(value)}, expected a`
    }, JSON.stringify(options))
  }
  t.throws(() => eventLoopCheck({ maxDelayMs: 0 }), {
    message: 'Invalid @highload/health option eventLoopCheck.maxDelayMs: got 0, expected a number of milliseconds > 0 and <= 2147483647'
  })
  t.throws(() => eventLoopCheck({ maxUtilisation: 0.5 } as never), {
    message: 'Invalid @highload/health option eventLoopCheck.maxUtilisation: got 0.5, expected one of the known options; did you mean `maxUtilization`?'
  })
  t.throws(() => eventLoopCheck({ timeoutMs: 0 }), { message: /eventLoopCheck\.timeoutMs: got 0, expected an integer number of milliseconds from 1/ })
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
    const [key] = Object.keys(options) as [string]
    t.throws(() => memoryCheck(options as never), {
      code: 'HL_HEALTH_INVALID_OPTION',
      message: new RegExp(`^Invalid @highload/health option memoryCheck\\.${key}: got .+, expected an integer number >= 1$`)
    }, JSON.stringify(options))
  }
  t.throws(() => memoryCheck({ maxHeapUseBytes: 1 } as never), {
    message: 'Invalid @highload/health option memoryCheck.maxHeapUseBytes: got 1, expected one of the known options; did you mean `maxHeapUsedBytes`?'
  })
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
  t.throws(() => redisCheck({} as never), {
    code: 'HL_HEALTH_INVALID_OPTION',
    message: 'Invalid @highload/health option redisCheck(client): got {}, expected a client with a ping() method (an ioredis client or app.redis)'
  })
  t.throws(() => redisCheck(undefined as never), { code: 'HL_HEALTH_INVALID_OPTION', message: /redisCheck\(client\): got undefined/ })
  t.throws(() => postgresCheck({ query: async () => {} } as never), {
    code: 'HL_HEALTH_INVALID_OPTION',
    message: /^Invalid @highload\/health option postgresCheck\(db\): got \{ query: \[AsyncFunction: query\] \}, expected a pg Pool or an object with a pool \(such as app.pg\)$/
  })
  t.throws(() => postgresCheck({ pool: null } as never), { code: 'HL_HEALTH_INVALID_OPTION', message: /postgresCheck\(db\): got \{ pool: null \}/ })
  t.throws(() => postgresCheck(null as never), { code: 'HL_HEALTH_INVALID_OPTION', message: /postgresCheck\(db\): got null/ })
  t.match(redisCheck({ ping: async () => 'PONG' }, { name: 'cache', critical: true }), { name: 'cache', critical: true, componentType: 'datastore' })
})

t.test('redisCheck and postgresCheck validate their options and refuse unknown ones', async (t) => {
  const client = { ping: async () => 'PONG' }
  const pool = { query: async () => {}, totalCount: 0, idleCount: 0, waitingCount: 0 }
  t.match(postgresCheck(pool), { name: 'postgres', componentType: 'datastore', critical: false, groups: ['readiness'] })
  t.match(postgresCheck({ pool }, { componentType: 'database', measurement: 'latency' }), { componentType: 'database', measurement: 'latency' })
  t.throws(() => redisCheck(client, { names: 'cache' } as never), {
    code: 'HL_HEALTH_INVALID_OPTION',
    message: "Invalid @highload/health option redisCheck.names: got 'cache', expected one of the known options; did you mean `name`?"
  })
  t.throws(() => redisCheck(client, { name: 'cache store' }), { message: /^Invalid @highload\/health option redisCheck\.name: got 'cache store', expected a name of 1 to 128/ })
  t.throws(() => postgresCheck(pool, { critical: 'yes' } as never), { message: "Invalid @highload/health option postgresCheck.critical: got 'yes', expected a boolean" })
  t.throws(() => postgresCheck(pool, 'db' as never), { message: "Invalid @highload/health option postgresCheck: got 'db', expected an object" })
})

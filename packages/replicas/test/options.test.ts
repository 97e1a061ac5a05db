import t from 'tap'
import { parseOptions } from '../src/options.js'
import { ReplicasInvalidOptionError } from '../src/errors.js'

const primary = { connectionString: 'postgresql://u@127.0.0.1:1/db' }

t.test('defaults', async (t) => {
  const p = parseOptions({ primary, replicas: [{ name: 'r1', connectionString: 'x', max: 4 }, { name: 'r2', weight: 3, maxLagMs: 100, maxLagBytes: 10 }] })
  t.same(p.primary, { pool: primary })
  t.same(p.replicas, [
    { name: 'r1', weight: 1, maxLagMs: 5000, maxLagBytes: 16777216, pool: { connectionString: 'x', max: 4 } },
    { name: 'r2', weight: 3, maxLagMs: 100, maxLagBytes: 10, pool: {} }
  ])
  t.equal(p.defaultTarget, 'primary')
  t.equal(p.connectTimeoutMs, 2000)
  t.same(p.classifier, { readOnlyFunctions: [], writeFunctions: [], cacheSize: 2000, maxParseBytes: 16384 })
  t.same(p.consistency, { mode: 'session', header: 'x-pg-lsn', waitMs: 50, cookie: null, store: null, key: null, ttlMs: 30000 })
  t.equal(p.store, null)
  t.same(p.lag, { pollIntervalMs: 500, probeTimeoutMs: 250, maxLagMs: 5000, maxLagBytes: 16777216 })
  t.same(p.breaker, { minimumCalls: 3, windowSize: 20, openMs: 1000, openMultiplier: 2, maxOpenMs: 30000 })
  t.equal(p.slowStartMs, 10000)
  t.equal(p.selection, 'p2c')
  t.equal(p.slowQueryMs, 1000)
  t.equal(p.maxAttempts, 3, 'replicas + 1')
  t.equal(p.maxPrimaryReads, 5, 'half of pg\'s default pool of 10')
  t.same(p.health, { critical: false })
  t.ok(Object.isFrozen(p))
})

t.test('derived and explicit values', async (t) => {
  t.equal(parseOptions({ primary: { max: 3 } }).maxPrimaryReads, 1)
  t.equal(parseOptions({ primary: { max: 1 } }).maxPrimaryReads, 1, 'at least 1')
  t.equal(parseOptions({ primary: {}, fallback: { maxPrimaryReads: 0 } }).maxPrimaryReads, 0)
  t.equal(parseOptions({ primary: {} }).maxAttempts, 1)
  t.equal(parseOptions({ primary: {}, retry: { maxAttempts: 7 } }).maxAttempts, 7)
  t.same(parseOptions({ primary: {}, health: false }).health, null)
  t.same(parseOptions({ primary: {}, health: { critical: true } }).health, { critical: true })
  t.same(parseOptions({ primary: {}, health: {} }).health, { critical: false })
})

t.test('invalid options', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [undefined, /option primary: got undefined, expected an object \(a pg PoolConfig\)/],
    [{ primary: 'postgres://x' }, /option primary: got 'postgres:\/\/x'/],
    [{ primary, replicas: {} }, /option replicas: got \{\}, expected an array/],
    [{ primary, replicas: [{ connectionString: 'x' }] }, /option replicas\[0\]\.name: got undefined/],
    [{ primary, replicas: [{ name: 'primary' }] }, /option replicas\[0\]\.name: got 'primary', expected a name no other node has/],
    [{ primary, replicas: [{ name: 'a' }, { name: 'a' }] }, /option replicas\[1\]\.name: got 'a'/],
    [{ primary, replicas: [{ name: 'bad name' }] }, /replicas\[0\]\.name/],
    [{ primary, replicas: [{ name: 'a', weight: 0 }] }, /replicas\[0\]\.weight: got 0, expected a number > 0/],
    [{ primary, defaultTarget: 'replica' }, /defaultTarget: got 'replica', expected one of 'primary', 'auto'/],
    [{ primary, connectTimeoutMs: 0 }, /connectTimeoutMs/],
    [{ primary, classifier: { readOnlyFunctions: ['drop table'] } }, /classifier\.readOnlyFunctions\[0\]/],
    [{ primary, classifier: { cacheSize: 0 } }, /classifier\.cacheSize/],
    [{ primary, classifier: { maxParsebytes: 1 } }, /classifier\.maxParsebytes: .*did you mean `maxParseBytes`/],
    [{ primary, consistency: { mode: 'causal' } }, /consistency\.mode/],
    [{ primary, consistency: { header: 'X-Pg-Lsn' } }, /consistency\.header: got 'X-Pg-Lsn', expected a lower-case HTTP header name/],
    [{ primary, consistency: { cookies: 'lsn' } }, /consistency\.cookies: .*did you mean `cookie`/],
    [{ primary, consistency: { cookie: 'bad name' } }, /consistency\.cookie: got 'bad name', expected a cookie name of letters, digits, _ and - or false/],
    [{ primary, lag: { pollIntervalMs: 1 } }, /lag\.pollIntervalMs/],
    [{ primary, lag: { maxLagMs: 2 ** 31 } }, /lag\.maxLagMs/],
    [{ primary, breaker: { openMultiplier: 0.5 } }, /breaker\.openMultiplier/],
    [{ primary, selection: 'random' }, /selection/],
    [{ primary, retry: { maxAttempts: 0 } }, /retry\.maxAttempts/],
    [{ primary, fallback: { maxPrimaryReads: -1 } }, /fallback\.maxPrimaryReads/],
    [{ primary, health: 'yes' }, /option health: got 'yes', expected true, false or an object/],
    [{ primary, health: { critical: 1 } }, /option health.critical: got 1, expected a boolean/],
    [{ primary, health: { critcal: true } }, /option health.critcal: got true, .*did you mean `critical`/],
    [{ primary, health: { other: true } }, /option health/],
    [{ primary, primry: {} }, /option primry: .*did you mean `primary`/]
  ]
  for (const [input, message] of cases) {
    let err: unknown = null
    try {
      parseOptions(input)
    } catch (e) {
      err = e
    }
    t.ok(err instanceof ReplicasInvalidOptionError, String(message))
    t.ok(err instanceof TypeError)
    t.equal((err as Error & { code: string }).code, 'HL_REPLICAS_INVALID_OPTION')
    t.match((err as Error).message, /^Invalid @highload\/replicas option /)
    t.match((err as Error).message, message)
  }
})

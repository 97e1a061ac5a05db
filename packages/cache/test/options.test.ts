import t from 'tap'
import { codes } from '../src/index.js'
import { parseOptions } from '../src/options.js'

t.test('defaults', async (t) => {
  const p = parseOptions(undefined)
  t.same({ ...p, l2: { ...p.l2 }, l1: { ...p.l1 }, http: { ...p.http } }, {
    name: 'default',
    redis: undefined,
    prefix: 'hl:default:',
    ttlMs: 60000,
    jitter: 0.1,
    staleWhileRevalidateMs: 0,
    staleIfErrorMs: 0,
    softTimeoutMs: undefined,
    hardTimeoutMs: undefined,
    negativeTtlMs: 5000,
    earlyRefreshBeta: 1,
    l1: { maxItems: 10000, maxBytes: 67108864, maxTtlMs: 60000 },
    l2: { commandTimeoutMs: 100, maxValueBytes: 1048576, breaker: { windowSize: 20, minimumCalls: 5, failureRateThreshold: 50, openMs: 1000, openMultiplier: 2, maxOpenMs: 10000 } },
    lease: null,
    maxKeyBytes: 1024,
    codec: undefined,
    http: { cacheStatusName: 'highload', surrogateKeyHeader: null, collapseWaitMs: 5000, onInvalidate: undefined },
    health: { critical: false },
    onInvalidate: null
  })
  t.ok(Object.isFrozen(p))
  t.equal(parseOptions({ name: 'products' }).prefix, 'hl:products:')
  t.same(parseOptions({ lease: true }).lease, { ttlMs: 10000, waitMs: 5000 })
  t.same(parseOptions({ lease: { waitMs: 100 } }).lease, { ttlMs: 10000, waitMs: 100 })
  t.equal(parseOptions({ lease: false }).lease, null)
  t.equal(parseOptions({ health: false }).health, null)
  t.same(parseOptions({ health: true }).health, { critical: false })
  t.same(parseOptions({ health: { critical: true } }).health, { critical: true })
  t.equal(parseOptions({ redis: false }).redis, false)
  t.equal(parseOptions({ redis: 'redis://127.0.0.1:1' }).redis, 'redis://127.0.0.1:1')
  t.same(parseOptions({ l2: { breaker: { windowType: 'time', windowMs: 5000, minimumCalls: 50 } } }).l2.breaker,
    { windowType: 'time', windowSize: 20, windowMs: 5000, minimumCalls: 50, failureRateThreshold: 50, openMs: 1000, openMultiplier: 2, maxOpenMs: 10000 })
  const hook = (): void => {}
  t.equal(parseOptions({ http: { onInvalidate: hook } }).onInvalidate, hook)
})

t.test('bad options: HL_CACHE_INVALID_OPTION naming the path, the value and what is allowed', async (t) => {
  const cases: Array<[unknown, RegExp]> = [
    [{ ttlMS: 1 }, /option ttlMS: got 1, expected one of the known options; did you mean `ttlMs`\?/],
    [{ name: 'a b' }, /option name: got 'a b', expected a name/],
    [{ redis: 'http://x' }, /option redis: got 'http:\/\/x', expected a redis:\/\/ URL/],
    [{ redis: {} }, /option redis/],
    [{ prefix: 'a{b}' }, /option prefix: got 'a\{b\}', expected a non-empty string without braces/],
    [{ ttlMs: -1 }, /option ttlMs: got -1/],
    [{ ttlMs: 2 ** 31 }, /option ttlMs/],
    [{ jitter: 1 }, /option jitter: got 1/],
    [{ softTimeoutMs: 100, hardTimeoutMs: 100 }, /option softTimeoutMs: got 100, expected less than hardTimeoutMs \(100\)/],
    [{ l1: { maxItems: 0 } }, /option l1.maxItems/],
    [{ l2: { breaker: { windowSize: 3 } } }, /option l2.breaker.minimumCalls: got 5, expected at most windowSize \(3\)/],
    [{ l2: { breaker: { openMs: 20000 } } }, /option l2.breaker.maxOpenMs: got 10000, expected at least openMs/],
    [{ l2: { breaker: { tripped: true } } }, /option l2.breaker.tripped/],
    [{ lease: 'yes' }, /option lease: got 'yes', expected true, false or an object/],
    [{ lease: { ttlMs: 0 } }, /option lease.ttlMs: got 0/],
    [{ codec: { encode: JSON.stringify } }, /option codec/],
    [{ http: { surrogateKeyHeader: 'bad header' } }, /option http.surrogateKeyHeader/],
    [{ health: 'on' }, /option health: got 'on', expected true, false or an object/]
  ]
  for (const [input, message] of cases) {
    t.throws(() => parseOptions(input), { code: codes.INVALID_OPTION, statusCode: 500, message }, message.source)
  }
})

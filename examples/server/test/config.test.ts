import t from 'tap'
import { readConfig } from '../src/config.js'

t.test('defaults for a local run', async (t) => {
  t.same(readConfig({}), {
    port: 3000,
    host: '127.0.0.1',
    logLevel: 'info',
    drainDelayMs: undefined,
    rateLimitMax: 100,
    rateLimitWindowMs: 60_000,
    upstreamUrl: undefined,
    databaseUrl: undefined,
    databaseReplicaUrls: [],
    redisUrl: undefined
  })
})

t.test('reads every variable', async (t) => {
  t.same(readConfig({
    PORT: '0',
    HOST: '0.0.0.0',
    LOG_LEVEL: 'warn',
    DRAIN_DELAY_MS: '1500',
    RATE_LIMIT_MAX: '5',
    RATE_LIMIT_WINDOW_MS: '1000',
    UPSTREAM_URL: 'http://127.0.0.1:8080/quote',
    DATABASE_URL: 'postgres://app:secret@db:5432/app',
    DATABASE_REPLICA_URLS: 'postgres://app:secret@r1:5432/app, postgresql://app:secret@r2:5432/app',
    REDIS_URL: 'redis://cache:6379'
  }), {
    port: 0,
    host: '0.0.0.0',
    logLevel: 'warn',
    drainDelayMs: 1500,
    rateLimitMax: 5,
    rateLimitWindowMs: 1000,
    upstreamUrl: 'http://127.0.0.1:8080/quote',
    databaseUrl: 'postgres://app:secret@db:5432/app',
    databaseReplicaUrls: ['postgres://app:secret@r1:5432/app', 'postgresql://app:secret@r2:5432/app'],
    redisUrl: 'redis://cache:6379'
  })
  t.equal(readConfig({ UPSTREAM_URL: '' }).upstreamUrl, undefined, 'empty means unset')
  t.same(readConfig({ DATABASE_URL: '', DATABASE_REPLICA_URLS: ' ', REDIS_URL: '' }),
    readConfig({}), 'empty connection variables mean unset')
})

t.test('a malformed connection URL names the variable and never echoes its value (it may hold a password)', async (t) => {
  t.throws(() => readConfig({ DATABASE_URL: 'mysql://u:hunter2@db/app' }), { message: 'DATABASE_URL must be a postgres: or postgresql:// URL' })
  t.throws(() => readConfig({ DATABASE_REPLICA_URLS: 'postgres://r1/app,not a url hunter2' }), { message: /^DATABASE_REPLICA_URLS must be/ })
  t.throws(() => readConfig({ REDIS_URL: 'http://u:hunter2@cache' }), { message: 'REDIS_URL must be a redis: or rediss:// URL' })
  for (const env of [{ DATABASE_URL: 'mysql://u:hunter2@db/app' }, { REDIS_URL: 'http://u:hunter2@cache' }]) {
    try { readConfig(env) } catch (err) { t.notMatch((err as Error).message, /hunter2/) }
  }
})

t.test('rejects values that are not integers in range, naming the variable', async (t) => {
  const cases: Array<[string, string]> = [
    ['PORT', 'abc'], ['PORT', '-1'], ['PORT', '70000'], ['PORT', '80.5'],
    ['DRAIN_DELAY_MS', '-5'], ['RATE_LIMIT_MAX', '0'], ['RATE_LIMIT_WINDOW_MS', 'soon']
  ]
  for (const [name, bad] of cases) {
    const err = t.throws(() => readConfig({ [name]: bad }), RangeError, `${name}=${bad}`) as Error
    t.equal(err.message.startsWith(`${name} must be an integer from`), true, 'names the variable')
    t.equal(err.message.endsWith(`got ${JSON.stringify(bad)}`), true, 'shows the bad value')
  }
})

t.test('rejects an UPSTREAM_URL that is not an http(s) URL', async (t) => {
  for (const bad of ['not a url', 'ftp://example.test/']) {
    t.throws(() => readConfig({ UPSTREAM_URL: bad }), { name: 'RangeError', message: `UPSTREAM_URL must be an http(s) URL, got ${JSON.stringify(bad)}` })
  }
})

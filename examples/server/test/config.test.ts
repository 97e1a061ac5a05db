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
    upstreamUrl: undefined
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
    UPSTREAM_URL: 'http://127.0.0.1:8080/quote'
  }), {
    port: 0,
    host: '0.0.0.0',
    logLevel: 'warn',
    drainDelayMs: 1500,
    rateLimitMax: 5,
    rateLimitWindowMs: 1000,
    upstreamUrl: 'http://127.0.0.1:8080/quote'
  })
  t.equal(readConfig({ UPSTREAM_URL: '' }).upstreamUrl, undefined, 'empty means unset')
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

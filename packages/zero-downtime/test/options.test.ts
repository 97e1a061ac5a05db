// Options are checked before anything starts: no instance, no proxy, no load.
import t from 'tap'
import { ReadinessProxy, codes, runZeroDowntime } from '../src/index.js'
import { parseReadinessProxyOptions, parseZeroDowntimeOptions } from '../src/options.js'

const PREFIX = 'Invalid @highload/zero-downtime option '
const entry = new URL('file:///srv/server.js')

t.test('runZeroDowntime: every default', async (t) => {
  t.same(parseZeroDowntimeOptions({ entry }), {
    entry,
    execArgv: [],
    env: {},
    path: '/',
    readinessPath: '/readyz',
    connections: 10,
    durationMs: 4000,
    signalAtMs: 1000,
    signal: 'SIGTERM',
    pollIntervalMs: 200,
    propagationDelayMs: 500,
    budgetMs: 30_000,
    startTimeoutMs: 20_000
  })
  const given = parseZeroDowntimeOptions({ entry: '/srv/server.js', execArgv: ['--import', 'tsx'], env: { EMPTY: '' }, path: '/items?page=2', signal: 'SIGINT' })
  t.match(given, { entry: '/srv/server.js', execArgv: ['--import', 'tsx'], env: { EMPTY: '' }, path: '/items?page=2', signal: 'SIGINT' })
  t.ok(Object.isFrozen(given) && Object.isFrozen(given.execArgv))
})

t.test('runZeroDowntime: a bad option rejects with HL_ZERO_DOWNTIME_INVALID_OPTION before anything starts', async (t) => {
  const cases: Array<[unknown, string]> = [
    [undefined, 'entry: got undefined, expected a file path or a file: URL'],
    [{ entry: new URL('https://example.com/server.js') }, "entry: got URL {\\s*href: 'https://example.com/server.js'"],
    [{ entry, execArgv: '--import tsx' }, "execArgv: got '--import tsx', expected an array, each a non-empty string"],
    [{ entry, env: { PORT: 3000 } }, 'env.PORT: got 3000, expected a string'],
    [{ entry, env: { PORT: undefined } }, 'env.PORT: got undefined, expected a string'],
    [{ entry, path: 'items' }, 'path: got \'items\', expected a path starting with "/" \\(no white space\\)'],
    [{ entry, connections: 0 }, 'connections: got 0, expected an integer number >= 1'],
    [{ entry, durationMs: 2 ** 31 }, 'durationMs: got 2147483648, expected a number of milliseconds > 0 and <= 2147483647'],
    [{ entry, signal: 'SIGNOPE' }, "signal: got 'SIGNOPE', expected a signal name such as 'SIGTERM'"],
    [{ entry, durationMs: 1000 }, 'signalAtMs: got 1000, expected less than durationMs \\(1000\\), so the signal falls within the load'],
    [{ entry, budgetMS: 10_000 }, 'budgetMS: got 10000, expected one of the known options; did you mean `budgetMs`\\?']
  ]
  for (const [options, message] of cases) {
    await t.rejects(runZeroDowntime(options as never), { code: codes.INVALID_OPTION, statusCode: 500, message: new RegExp(`^${PREFIX}${message}`) }, message)
  }
})

t.test('ReadinessProxy: defaults, and a bad option throws from the constructor', async (t) => {
  const upstreams = [{ name: 'A', host: '127.0.0.1', port: 3001 }]
  t.same(parseReadinessProxyOptions({ upstreams }), { upstreams, readinessPath: '/readyz', pollIntervalMs: 200, propagationDelayMs: 500, host: '127.0.0.1' })
  const cases: Array<[unknown, string]> = [
    [{}, 'upstreams: got undefined, expected a non-empty array, each an object'],
    [{ upstreams: [] }, 'upstreams: got \\[\\], expected a non-empty array, each an object'],
    [{ upstreams: [{ name: 'A', host: '127.0.0.1' }] }, 'upstreams\\[0\\].port: got undefined, expected an integer number from 1 to 65535'],
    [{ upstreams: [{ name: 'A', host: '127.0.0.1', port: 1, weight: 2 }] }, 'upstreams\\[0\\].weight: got 2, expected one of the known options \\(name, host, port\\)'],
    [{ upstreams: [...upstreams, ...upstreams] }, "upstreams: got \\[ 'A', 'A' \\], expected upstreams with distinct names"],
    [{ upstreams, pollIntervalMs: 0 }, 'pollIntervalMs: got 0, expected a number of milliseconds > 0 and <= 2147483647']
  ]
  for (const [options, message] of cases) {
    t.throws(() => new ReadinessProxy(options as never), { code: codes.INVALID_OPTION, message: new RegExp(`^${PREFIX}${message}$`) }, message)
  }
})

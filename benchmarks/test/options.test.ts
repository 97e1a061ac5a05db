import t from 'tap'
import { parseOptions, usage, UsageError } from '../src/lib/options.js'

t.test('defaults', async (t) => {
  t.same(parseOptions([], {}), {
    names: [],
    list: false,
    help: false,
    scratch: false,
    strict: false,
    http: { connections: 50, pipelining: 1, warmupSec: 2, durationSec: 5, rounds: 3, tool: 'auto', install: true, threads: 1, order: 'paired', settle: true },
    micro: { rounds: 5, timeMs: 500 }
  })
})

t.test('every flag, names, and the literal -- pnpm forwards', async (t) => {
  const o = parseOptions(['suite', '--', '--connections', '10', '--pipelining', '4', '--warmup', '0', '--duration', '1.5', '--rounds', '7',
    '--tool', 'wrk', '--no-install', '--threads', '2', '--order', 'alternating', '--unsettled', '--time', '100', '--scratch', '--strict', '--list', '-h', 'cache'], {})
  t.same(o.names, ['suite', 'cache'])
  t.same(o.http, { connections: 10, pipelining: 4, warmupSec: 0, durationSec: 1.5, rounds: 7, tool: 'wrk', install: false, threads: 2, order: 'alternating', settle: false })
  t.same(o.micro, { rounds: 7, timeMs: 100 })
  t.ok(o.scratch && o.strict && o.list && o.help)
})

t.test('environment variables, and flags win over them', async (t) => {
  const env = {
    BENCH_CONNECTIONS: '20',
    BENCH_PIPELINING: '2',
    BENCH_WARMUP: '1',
    BENCH_DURATION: '3',
    BENCH_ROUNDS: '4',
    BENCH_TOOL: 'autocannon',
    BENCH_NO_INSTALL: '1',
    BENCH_THREADS: '3',
    BENCH_ORDER: 'alternating',
    BENCH_UNSETTLED: 'true',
    BENCH_TIME: '250',
    BENCH_SCRATCH: '1',
    BENCH_STRICT: 'true'
  }
  const o = parseOptions([], env)
  t.same(o.http, { connections: 20, pipelining: 2, warmupSec: 1, durationSec: 3, rounds: 4, tool: 'autocannon', install: false, threads: 3, order: 'alternating', settle: false })
  t.same(o.micro, { rounds: 4, timeMs: 250 })
  t.ok(o.scratch && o.strict)
  t.equal(parseOptions(['--connections', '8', '--tool', 'wrk'], env).http.connections, 8)
  t.equal(parseOptions(['--tool', 'wrk'], env).http.tool, 'wrk')
  t.equal(parseOptions([], { BENCH_SCRATCH: '0', BENCH_ROUNDS: '' }).scratch, false, 'only 1 or true turn a flag on')
  t.equal(parseOptions([], { BENCH_ROUNDS: '' }).http.rounds, 3, 'an empty variable is unset')
})

t.test('bad values are usage errors that name the option and the value', async (t) => {
  const bad: Array<[string[], RegExp]> = [
    [['--connections', '0'], /--connections must be an integer >= 1, got "0"/],
    [['--rounds', '2.5'], /--rounds must be an integer >= 1, got "2.5"/],
    [['--duration', '0'], /--duration must be a number > 0, got "0"/],
    [['--warmup=-1'], /--warmup must be a number >= 0, got "-1"/],
    [['--time', 'abc'], /--time must be a number > 0, got "abc"/],
    [['--tool', 'ab'], /--tool must be auto, autocannon or wrk, got "ab"/],
    [['--order', 'random'], /--order must be paired or alternating, got "random"/],
    [['--threads', '60'], /--threads must not exceed --connections/],
    [['--nope'], /Unknown option '--nope'/]
  ]
  for (const [argv, message] of bad) t.throws(() => parseOptions(argv, {}), { name: 'Error', message }, argv.join(' '))
  let caught: unknown
  try {
    parseOptions(['--rounds', '0'], {})
  } catch (err) {
    caught = err
  }
  t.ok(caught instanceof UsageError, 'a UsageError, which the CLI answers with the usage text and exit code 2')
})

t.test('the usage text documents every option', async (t) => {
  for (const flag of ['--connections', '--pipelining', '--warmup', '--duration', '--rounds', '--tool', '--no-install', '--threads', '--order', '--unsettled', '--time', '--scratch', '--strict', '--list']) {
    t.match(usage, flag)
  }
  for (const env of ['BENCH_NO_INSTALL=1', 'BENCH_TOOL', 'BENCH_ORDER']) t.match(usage, env)
})

import { parseArgs } from 'node:util'

export type ToolChoice = 'auto' | 'autocannon' | 'wrk'

/** `paired`: both sides at once on one CPU; `alternating`: one side at a time, ABAB... */
export type HttpOrder = 'paired' | 'alternating'

export interface HttpOptions {
  connections: number
  pipelining: number
  warmupSec: number
  durationSec: number
  rounds: number
  tool: ToolChoice
  /** With `tool` auto or wrk and no wrk on PATH: install it with apt-get when root (`--no-install` turns this off). */
  install: boolean
  /** wrk threads; autocannon ignores it. */
  threads: number
  order: HttpOrder
  /** Settle each server's V8 state after the warm-up (src/http/settle.ts); off reproduces runs before it existed. */
  settle: boolean
}

export interface MicroOptions {
  rounds: number
  /** tinybench time budget per task per round, ms. */
  timeMs: number
}

export interface BenchOptions {
  names: string[]
  list: boolean
  help: boolean
  /** Write results/<name>.scratch.{json,md} (git-ignored) instead of the committed files. */
  scratch: boolean
  /** Exit 1 when a target fails. */
  strict: boolean
  http: HttpOptions
  micro: MicroOptions
}

export class UsageError extends Error {}

export const usage = `Usage: pnpm bench [name...] [options]

  (no name)            run every HTTP scenario, then every micro suite
  name...              run only these scenarios / suites
  --list               list scenarios and suites

HTTP scenarios                                   env                default
  --connections N      concurrent connections    BENCH_CONNECTIONS  50
  --pipelining N       requests per connection   BENCH_PIPELINING   1
  --warmup S           warm-up seconds per round BENCH_WARMUP       2
  --duration S         measured seconds per round BENCH_DURATION    5
  --rounds N           rounds per side (ABAB..)  BENCH_ROUNDS       3 (micro: 5)
  --tool T             auto | autocannon | wrk   BENCH_TOOL         auto (wrk if on PATH)
  --no-install         never apt-get install wrk BENCH_NO_INSTALL=1 off (installs wrk when root with apt-get)
  --threads N          wrk threads               BENCH_THREADS      1
  --order O            paired | alternating      BENCH_ORDER        paired (both sides at once, one CPU)
  --unsettled          skip the settle step      BENCH_UNSETTLED=1  off (every server is settled)
Micro suites
  --time MS            time per task per round   BENCH_TIME         500
  --rounds N           rounds                    BENCH_ROUNDS       5
Output
  --scratch            write results/<name>.scratch.* (git-ignored) BENCH_SCRATCH=1
  --strict             exit 1 when a target fails                  BENCH_STRICT=1
`

type Env = Record<string, string | undefined>

function num (name: string, raw: string | undefined, fallback: number, kind: 'int' | 'positive' | 'nonneg'): number {
  if (raw === undefined || raw === '') return fallback
  const value = Number(raw)
  const ok = kind === 'int'
    ? Number.isInteger(value) && value >= 1
    : kind === 'positive' ? Number.isFinite(value) && value > 0 : Number.isFinite(value) && value >= 0
  if (!ok) {
    const want = kind === 'int' ? 'an integer >= 1' : kind === 'positive' ? 'a number > 0' : 'a number >= 0'
    throw new UsageError(`${name} must be ${want}, got "${raw}"`)
  }
  return value
}

function flag (raw: boolean | undefined, env: string | undefined): boolean {
  return raw === true || env === '1' || env === 'true'
}

export function parseOptions (argv: readonly string[], env: Env): BenchOptions {
  // pnpm may forward a literal "--" (`pnpm bench -- name`); options may follow it.
  const args = argv.filter((a) => a !== '--')
  let parsed
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: {
        list: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        scratch: { type: 'boolean' },
        strict: { type: 'boolean' },
        connections: { type: 'string' },
        pipelining: { type: 'string' },
        warmup: { type: 'string' },
        duration: { type: 'string' },
        rounds: { type: 'string' },
        tool: { type: 'string' },
        'no-install': { type: 'boolean' },
        threads: { type: 'string' },
        order: { type: 'string' },
        unsettled: { type: 'boolean' },
        time: { type: 'string' }
      }
    })
  } catch (err) {
    throw new UsageError((err as Error).message)
  }
  const v = parsed.values
  const tool = v.tool ?? env['BENCH_TOOL'] ?? 'auto'
  if (tool !== 'auto' && tool !== 'autocannon' && tool !== 'wrk') {
    throw new UsageError(`--tool must be auto, autocannon or wrk, got "${tool}"`)
  }
  const order = v.order ?? env['BENCH_ORDER'] ?? 'paired'
  if (order !== 'paired' && order !== 'alternating') {
    throw new UsageError(`--order must be paired or alternating, got "${order}"`)
  }
  const rounds = v.rounds ?? env['BENCH_ROUNDS']
  const connections = num('--connections', v.connections ?? env['BENCH_CONNECTIONS'], 50, 'int')
  const threads = num('--threads', v.threads ?? env['BENCH_THREADS'], 1, 'int')
  if (threads > connections) throw new UsageError('--threads must not exceed --connections')
  return {
    names: parsed.positionals,
    list: v.list === true,
    help: v.help === true,
    scratch: flag(v.scratch, env['BENCH_SCRATCH']),
    strict: flag(v.strict, env['BENCH_STRICT']),
    http: {
      connections,
      pipelining: num('--pipelining', v.pipelining ?? env['BENCH_PIPELINING'], 1, 'int'),
      warmupSec: num('--warmup', v.warmup ?? env['BENCH_WARMUP'], 2, 'nonneg'),
      durationSec: num('--duration', v.duration ?? env['BENCH_DURATION'], 5, 'positive'),
      rounds: num('--rounds', rounds, 3, 'int'),
      tool,
      install: !flag(v['no-install'], env['BENCH_NO_INSTALL']),
      threads,
      order,
      settle: !flag(v.unsettled, env['BENCH_UNSETTLED'])
    },
    micro: {
      rounds: num('--rounds', rounds, 5, 'int'),
      timeMs: num('--time', v.time ?? env['BENCH_TIME'], 500, 'positive')
    }
  }
}

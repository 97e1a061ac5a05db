import autocannon from 'autocannon'
import { startInstance, type Instance } from './instances.js'
import { ReadinessProxy } from './proxy.js'
import { countResets, mergeCounts } from './tally.js'

export { ReadinessProxy } from './proxy.js'
export type { ReadinessProxyOptions, Upstream, UpstreamStats } from './proxy.js'
export { freePort } from './instances.js'

export interface ZeroDowntimeOptions {
  /**
   * The server to test: a script run as `node [...execArgv] entry`. It must listen on the
   * `PORT` and `HOST` environment variables and answer `readinessPath` with 200 when ready.
   */
  entry: string | URL
  /** Node flags for the instances (e.g. a TypeScript loader). @default [] */
  execArgv?: string[]
  /** Extra environment for the instances. @default {} */
  env?: Record<string, string>
  /** The path the load hits. @default '/' */
  path?: string
  /** @default '/readyz' */
  readinessPath?: string
  /** autocannon connections (kept alive) to the proxy. @default 10 */
  connections?: number
  /** How long the load runs. @default 4000 */
  durationMs?: number
  /** When, after the load starts, instance A gets the signal. @default 1000 */
  signalAtMs?: number
  /** @default 'SIGTERM' */
  signal?: NodeJS.Signals
  /** Readiness poll interval of the proxy. @default 200 */
  pollIntervalMs?: number
  /** How long the proxy keeps routing to an instance after its readiness fails (endpoint propagation). @default 500 */
  propagationDelayMs?: number
  /** The stopped instance must exit within this many ms of the signal. @default 30000 */
  budgetMs?: number
  /** How long an instance may take to become ready. @default 20000 */
  startTimeoutMs?: number
}

export interface ZeroDowntimeReport {
  /** Requests completed by autocannon through the proxy. */
  requests: number
  /** Requests that got no response at all (autocannon errors, timeouts included). */
  failed: number
  timeouts: number
  /** Responses that were not 2xx: upstream 503s, proxy 502s for failed upstream exchanges. */
  non2xx: number
  /** Upstream connections reset or broken mid-exchange (ECONNRESET, EPIPE). */
  resets: number
  /** Every failed upstream exchange, by error code. */
  upstreamErrors: Record<string, number>
  stopped: {
    exitCode: number | null
    exitSignal: NodeJS.Signals | null
    /** From the signal to the process exit. */
    exitMs: number
    /** Responses instance A served after the signal (proves the drain window exists). */
    servedAfterSignal: number
    /** Of those, how many carried `Connection: close`. */
    connectionCloseAfterSignal: number
    output: string
  }
  /** 0 failed, 0 non-2xx, 0 resets, exit code 0 within budgetMs. */
  ok: boolean
}

async function stop (instance: Instance, timeoutMs: number): Promise<void> {
  if (instance.child.exitCode !== null || instance.child.signalCode !== null) return
  instance.child.kill('SIGTERM')
  const timer = setTimeout(() => instance.child.kill('SIGKILL'), timeoutMs)
  await instance.exited
  clearTimeout(timer)
}

/**
 * Zero-downtime check: two instances of `entry` behind a readiness-aware proxy, constant
 * keep-alive load through it, `signal` to instance A mid-load. Needs `autocannon` installed.
 */
export async function runZeroDowntime (options: ZeroDowntimeOptions): Promise<ZeroDowntimeReport> {
  const host = '127.0.0.1'
  const readinessPath = options.readinessPath ?? '/readyz'
  const budgetMs = options.budgetMs ?? 30_000
  const common = {
    entry: options.entry,
    execArgv: options.execArgv ?? [],
    env: options.env ?? {},
    host,
    readinessPath,
    startTimeoutMs: options.startTimeoutMs ?? 20_000
  }
  const [a, b] = await Promise.all([startInstance({ ...common, name: 'A' }), startInstance({ ...common, name: 'B' })])
  const proxy = new ReadinessProxy({
    upstreams: [{ name: 'A', host, port: a.port }, { name: 'B', host, port: b.port }],
    readinessPath,
    pollIntervalMs: options.pollIntervalMs,
    propagationDelayMs: options.propagationDelayMs,
    host
  })
  try {
    const port = await proxy.listen()
    const load = autocannon({
      url: `http://${host}:${port}${options.path ?? '/'}`,
      connections: options.connections ?? 10,
      duration: (options.durationMs ?? 4000) / 1000
    })
    await new Promise((resolve) => setTimeout(resolve, options.signalAtMs ?? 1000))
    proxy.markSignal('A')
    const signalledAt = performance.now()
    a.child.kill(options.signal ?? 'SIGTERM')
    const result = await load
    const exit = await Promise.race([
      a.exited,
      new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), Math.max(0, budgetMs - (performance.now() - signalledAt)) + 1000))
    ])
    const statsA = proxy.stats('A')
    const upstreamErrors = mergeCounts(statsA.errors, proxy.stats('B').errors)
    const resets = countResets(upstreamErrors)
    const exited = exit === undefined
      ? { exitCode: null, exitSignal: null, exitMs: Number.POSITIVE_INFINITY }
      : { exitCode: exit.code, exitSignal: exit.signal, exitMs: Math.round(exit.at - signalledAt) }
    const report: ZeroDowntimeReport = {
      requests: result.requests.total,
      failed: result.errors,
      timeouts: result.timeouts,
      non2xx: result.non2xx,
      resets,
      upstreamErrors,
      stopped: {
        ...exited,
        servedAfterSignal: statsA.servedAfterSignal,
        connectionCloseAfterSignal: statsA.connectionCloseAfterSignal,
        output: a.output()
      },
      ok: false
    }
    report.ok = report.failed === 0 && report.non2xx === 0 && report.resets === 0 && exited.exitCode === 0 && exited.exitMs <= budgetMs
    return report
  } finally {
    await proxy.close()
    await Promise.all([stop(a, 1000), stop(b, budgetMs)])
  }
}

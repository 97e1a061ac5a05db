import autocannon from 'autocannon'
import { startInstance, type Instance, type InstanceOptions } from './instances.js'
import { parseZeroDowntimeOptions, type ZeroDowntimeOptions } from './options.js'
import { ReadinessProxy } from './proxy.js'
import { countResets, mergeCounts } from './tally.js'

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

/** Starts A and B together; when one fails to start, the other is stopped before the error is thrown. */
async function startBoth (common: Omit<InstanceOptions, 'name'>): Promise<[Instance, Instance]> {
  const started = await Promise.allSettled([startInstance({ ...common, name: 'A' }), startInstance({ ...common, name: 'B' })])
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected')
  if (failed === undefined) return started.map((s) => (s as PromiseFulfilledResult<Instance>).value) as [Instance, Instance]
  await Promise.all(started.map((s) => s.status === 'fulfilled' ? stop(s.value, 1000) : undefined))
  throw failed.reason
}

/**
 * Zero-downtime check: two instances of `entry` behind a readiness-aware proxy, constant
 * keep-alive load through it, `signal` to instance A mid-load. Throws
 * `HL_ZERO_DOWNTIME_INVALID_OPTION` for a bad option and `HL_ZERO_DOWNTIME_NOT_READY` when an
 * instance does not start; everything else the run sees is in the report.
 */
export async function runZeroDowntime (options: ZeroDowntimeOptions): Promise<ZeroDowntimeReport> {
  const o = parseZeroDowntimeOptions(options)
  const host = '127.0.0.1'
  const { readinessPath, budgetMs } = o
  const common = {
    entry: o.entry,
    execArgv: [...o.execArgv],
    env: o.env,
    host,
    readinessPath,
    startTimeoutMs: o.startTimeoutMs
  }
  const [a, b] = await startBoth(common)
  const proxy = new ReadinessProxy({
    upstreams: [{ name: 'A', host, port: a.port }, { name: 'B', host, port: b.port }],
    readinessPath,
    pollIntervalMs: o.pollIntervalMs,
    propagationDelayMs: o.propagationDelayMs,
    host
  })
  try {
    const port = await proxy.listen()
    const load = autocannon({
      url: `http://${host}:${port}${o.path}`,
      connections: o.connections,
      duration: o.durationMs / 1000
    })
    await new Promise((resolve) => setTimeout(resolve, o.signalAtMs))
    proxy.markSignal('A')
    const signalledAt = performance.now()
    a.child.kill(o.signal)
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

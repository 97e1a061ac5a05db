import { pin } from '../lib/affinity.js'
import { forkTracked, stopChild } from '../lib/children.js'
import { cpuSample, type CpuSample } from '../lib/cpu-time.js'
import { isMessage, waitForMessage } from '../lib/ipc.js'
import { serveScript } from '../lib/paths.js'
import { requestList } from './requests.js'
import type { ListeningMessage } from './serve.js'
import { requestSettle, SERVER_EXEC_ARGV } from './settle.js'
import type { HttpRequestSpec, HttpScenario, HttpSideName } from './types.js'

const isListening = isMessage<ListeningMessage>('listening')

/** One side of a scenario running in its own child process (`dist/http/serve.js`). */
export interface ServerUnderTest {
  side: HttpSideName
  origin: string
  /** Status of one request (each of a mix) sent before any load, to catch a scenario whose route is not 2xx: the first non-2xx, else the last. */
  probeStatus: number
  /** CPU time the server process has used so far, ms (NaN without /proc). */
  cpu: () => CpuSample
  /** Runs the settle step in the server (src/http/settle.ts). */
  settle: () => Promise<void>
  stop: () => Promise<void>
}

async function probeOne (origin: string, request: HttpRequestSpec): Promise<number> {
  const res = await fetch(origin + request.path, {
    method: request.method ?? 'GET',
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body })
  })
  await res.arrayBuffer()
  return res.status
}

async function probe (origin: string, request: HttpScenario['request']): Promise<number> {
  let status = 0
  for (const r of requestList(request)) {
    status = await probeOne(origin, r)
    if (status < 200 || status >= 300) break
  }
  return status
}

/** Forks the server for one side, pinned to `cpus` when given, and waits until it listens. */
export async function startServer (scenario: HttpScenario, side: HttpSideName, cpus: string | null): Promise<ServerUnderTest> {
  const what = `${scenario.name} ${side} server`
  const child = forkTracked(serveScript, [scenario.name, side], SERVER_EXEC_ARGV)
  const pid = child.pid as number
  try {
    if (cpus !== null) pin(pid, cpus)
    const { port } = await waitForMessage(child, isListening, 60_000, what)
    const origin = `http://127.0.0.1:${port}`
    return {
      side,
      origin,
      probeStatus: await probe(origin, scenario.request),
      cpu: () => cpuSample(pid),
      settle: () => requestSettle(child, what),
      stop: () => stopChild(child)
    }
  } catch (err) {
    await stopChild(child)
    throw err
  }
}

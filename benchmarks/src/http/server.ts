import type { ChildProcess } from 'node:child_process'
import { pin } from '../lib/affinity.js'
import { forkTracked, isMessage, stopChild, waitForMessage } from '../lib/children.js'
import { cpuSample, type CpuSample } from '../lib/cpu-time.js'
import { serveScript } from '../lib/paths.js'
import type { ListeningMessage } from './serve.js'
import { SERVER_EXEC_ARGV, type SettledMessage, type SettleMessage } from './settle.js'
import type { HttpScenario, HttpSideName } from './types.js'

const isListening = isMessage<ListeningMessage>('listening')
const isSettled = isMessage<SettledMessage>('settled')

/** One side of a scenario running in its own child process (`dist/http/serve.js`). */
export interface ServerUnderTest {
  side: HttpSideName
  origin: string
  /** Status of one request sent before any load, to catch a scenario whose route is not 2xx. */
  probeStatus: number
  /** CPU time the server process has used so far, ms (NaN without /proc). */
  cpu: () => CpuSample
  /** Runs the settle step in the server (src/http/settle.ts). */
  settle: () => Promise<void>
  stop: () => Promise<void>
}

async function probe (origin: string, request: HttpScenario['request']): Promise<number> {
  const res = await fetch(origin + request.path, {
    method: request.method ?? 'GET',
    headers: request.headers ?? {},
    ...(request.body === undefined ? {} : { body: request.body })
  })
  await res.arrayBuffer()
  return res.status
}

function settleChild (child: ChildProcess, what: string): Promise<void> {
  const settled = waitForMessage(child, isSettled, 30_000, `${what} settle`)
  child.send({ type: 'settle' } satisfies SettleMessage)
  return settled.then(() => {})
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
      settle: () => settleChild(child, what),
      stop: () => stopChild(child)
    }
  } catch (err) {
    await stopChild(child)
    throw err
  }
}

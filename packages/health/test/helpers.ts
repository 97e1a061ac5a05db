import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import { logCollector, type LogLine } from '@highload/testing'
import health from '../src/index.js'
import type { FastifyHighloadHealthOptions } from '../src/index.js'

export interface Built {
  app: FastifyInstance
  logs: LogLine[]
}

interface Teardown {
  teardown: (fn: () => unknown) => void
}

/** A fresh app with @highload/health (no jitter, so runs are predictable) and a captured JSON log. */
export async function build (t: Teardown, options: FastifyHighloadHealthOptions = {}, server: FastifyServerOptions = {}): Promise<Built> {
  const logs = logCollector()
  const app = Fastify({ logger: { level: 'debug', stream: logs.stream }, ...server })
  t.teardown(() => app.close())
  await app.register(health, { defaults: { jitter: 0 }, ...options })
  return { app, logs: logs.lines }
}

/** A check whose outcome the test flips, counting its runs. */
export function switchable (initial = true): { healthy: boolean, runs: number, check: () => void } {
  const state = {
    healthy: initial,
    runs: 0,
    check: () => {
      state.runs++
      if (!state.healthy) throw new Error('down')
    }
  }
  return state
}

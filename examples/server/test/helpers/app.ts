import type { FastifyInstance } from 'fastify'
import { waitUntil } from '@highload/testing'
import { buildApp } from '../../src/app.js'
import { readConfig, type ServerConfig } from '../../src/config.js'

interface Teardown { teardown: (fn: () => unknown) => void }

/**
 * The composed example app in-process, ready: shutdown installs no process listener and exits
 * through `exit`; probes answer from cached state, so it waits for the first check results.
 */
export async function app (t: Teardown, env: NodeJS.ProcessEnv = {}, exit: (code: number) => void = () => {}): Promise<FastifyInstance> {
  const config: ServerConfig = readConfig(env)
  const instance = await buildApp({ config, shutdown: { signals: [], crashEvents: [], exit } })
  t.teardown(() => instance.close())
  await instance.ready()
  await waitUntil(() => instance.health.isReady(), 'the example app to be ready', 30_000)
  return instance
}

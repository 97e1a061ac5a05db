import FakeTimers from '@sinonjs/fake-timers'
import type { Clock } from '@sinonjs/fake-timers'
import Fastify from 'fastify'
import type { FastifyInstance, FastifyServerOptions } from 'fastify'
import health from '../src/index.js'
import type { FastifyHealthOptions } from '../src/index.js'

export interface LogLine {
  level: number
  msg: string
  [key: string]: unknown
}

export interface Built {
  app: FastifyInstance
  logs: LogLine[]
}

interface Teardown {
  teardown: (fn: () => unknown) => void
}

/** A fresh app with @highload/health and a captured JSON log. */
export async function build (t: Teardown, options: FastifyHealthOptions = {}, server: FastifyServerOptions = {}): Promise<Built> {
  const logs: LogLine[] = []
  const app = Fastify({
    logger: {
      level: 'debug',
      stream: { write: (line: string) => { logs.push(JSON.parse(line) as LogLine) } }
    },
    ...server
  })
  t.teardown(() => app.close())
  await app.register(health, { defaults: { jitter: 0 }, ...options })
  return { app, logs }
}

/** Fake clock for timers, Date and performance; uninstalled after the test. */
export function clock (t: Teardown): Clock {
  const installed = FakeTimers.install({
    toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date', 'performance']
  })
  t.teardown(() => installed.uninstall())
  return installed
}

/** A promise with its resolve/reject exposed. */
export function deferred<T = void> (): { promise: Promise<T>, resolve: (value: T) => void, reject: (error: unknown) => void } {
  const settle: { resolve?: (value: T) => void, reject?: (error: unknown) => void } = {}
  const promise = new Promise<T>((resolve, reject) => {
    settle.resolve = resolve
    settle.reject = reject
  })
  return { promise, resolve: settle.resolve as (value: T) => void, reject: settle.reject as (error: unknown) => void }
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

/** Polls `predicate` in real time until it holds; fails after `timeoutMs`. */
export async function waitUntil (predicate: () => boolean, timeoutMs = 10_000, what = 'condition'): Promise<number> {
  const started = Date.now()
  while (!predicate()) {
    if (Date.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  return Date.now() - started
}

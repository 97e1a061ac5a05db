import type { FastifyInstance } from 'fastify'

/** One side of an HTTP A/B comparison: how to build the server under test. */
export interface HttpSide {
  /** Short human label used in tables, e.g. "bare Fastify". */
  label: string
  /** Builds the app, routes registered; the harness calls `listen()`. Use `logger: false`. */
  build: () => FastifyInstance | Promise<FastifyInstance>
}

/**
 * An HTTP scenario: `src/http/scenarios/<name>.ts` default-exports one of these.
 * Each side runs in its own child process; the runner loads it over loopback.
 */
export interface HttpScenario {
  /** Same as the file name, without extension. */
  name: string
  description: string
  /** The request autocannon (or wrk) sends, on every connection. */
  request: { method?: string, path: string, headers?: Record<string, string>, body?: string }
  baseline: HttpSide
  candidate: HttpSide
  /** Target: candidate/baseline req/s must be >= this; reported as pass/fail. */
  minRatio?: number
}

export type HttpSideName = 'baseline' | 'candidate'

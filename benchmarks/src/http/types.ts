import type { FastifyInstance } from 'fastify'

/** One side of an HTTP A/B comparison: how to build the server under test. */
export interface HttpSide {
  /** Short human label used in tables, e.g. "bare Fastify". */
  label: string
  /** Builds the app, routes registered; the harness calls `listen()`. Use `logger: false`. */
  build: () => FastifyInstance | Promise<FastifyInstance>
}

/** A request the load generator sends. */
export interface HttpRequestSpec {
  method?: string
  path: string
  headers?: Record<string, string>
  body?: string
}

/**
 * An HTTP scenario: `src/http/scenarios/<name>.ts` default-exports one of these.
 * Each side runs in its own child process; the runner loads it over loopback.
 */
export interface HttpScenario {
  /** Same as the file name, without extension. */
  name: string
  description: string
  /**
   * The request the load generator sends on every connection, or a list that each connection
   * sends in turn (a request mix: with three entries, each one is a third of the load).
   */
  request: HttpRequestSpec | readonly HttpRequestSpec[]
  baseline: HttpSide
  candidate: HttpSide
  /** Target: candidate/baseline req/s must be >= this; reported as pass/fail. */
  minRatio?: number
}

export type HttpSideName = 'baseline' | 'candidate'

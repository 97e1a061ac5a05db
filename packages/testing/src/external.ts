import { TestingError, codes } from './errors.js'

/** The error every fault helper throws on a server reused from REDIS_URL / DATABASE_URL. */
export function externalServerError (action: string, envVar: string): TestingError {
  return new TestingError(codes.EXTERNAL_SERVER, `${action}() needs a throwaway server, but this one is reused from ${envVar}: pass { reuseExternal: false }`)
}

/** Host and port of a redis:// or postgres:// URL. */
export function hostPort (url: string, defaultPort: number): { host: string, port: number } {
  const parsed = new URL(url)
  return { host: parsed.hostname, port: Number(parsed.port || defaultPort) }
}

/** Starts `n` things in parallel; if any fails, closes those that started and rethrows the first failure. */
export async function startAll<T extends { close(): Promise<void> }> (n: number, start: () => Promise<T>): Promise<T[]> {
  const results = await Promise.allSettled(Array.from({ length: n }, start))
  const started = results.flatMap((r) => r.status === 'fulfilled' ? [r.value] : [])
  const failed = results.find((r) => r.status === 'rejected')
  if (failed) {
    await Promise.all(started.map((s) => s.close()))
    throw failed.reason
  }
  return started
}

export function assertCount (name: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new TestingError(codes.INVALID_ARGUMENT, `${name} must be an integer >= ${min}, got ${String(value)}`)
  }
}

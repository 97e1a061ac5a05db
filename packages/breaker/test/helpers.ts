export const ok = async (): Promise<string> => 'ok'
export const boom = async (): Promise<never> => { throw new Error('boom') }

/** Settles a promise into a value for assertions without unhandled rejections. */
export async function settle<T> (p: Promise<T>): Promise<{ ok: true, value: T } | { ok: false, error: Error & { code?: string, statusCode?: number, headers?: Record<string, string>, retryAfterMs?: number, cause?: unknown } }> {
  try {
    return { ok: true, value: await p }
  } catch (error) {
    return { ok: false, error: error as Error }
  }
}

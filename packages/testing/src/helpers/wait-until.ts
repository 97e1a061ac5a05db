import { setTimeout as sleep } from 'node:timers/promises'
import { TestingError, codes } from '../errors.js'

/**
 * Polls `condition` in real time every 10 ms until it holds; fails with `HL_TESTING_TIMEOUT`
 * naming `what` after `timeoutMs`, so a test fails instead of hanging. Resolves to the wait in ms.
 */
export async function waitUntil (condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<number> {
  const started = Date.now()
  while (!(await condition())) {
    if (Date.now() - started > timeoutMs) throw new TestingError(codes.TIMEOUT, `timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(10)
  }
  return Date.now() - started
}

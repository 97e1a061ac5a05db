import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { TestingError, codes } from './errors.js'

export const HOST = '127.0.0.1'

/** Asks the kernel for a currently free loopback TCP port. */
export async function freePort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, HOST, resolve)
  })
  const { port } = server.address() as AddressInfo
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Indirection so a test can hand out a port that is already taken. */
export const portSource = { next: freePort }

/**
 * Runs `start` on a fresh port. A free port can be taken by someone else before the server binds it,
 * so a start that fails is retried on another port, up to `attempts` times in all.
 */
export async function onFreshPort<T> (start: (port: number) => Promise<T>, attempts = 3): Promise<T> {
  let failure: unknown
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await portSource.next()
    try {
      return await start(port)
    } catch (err) {
      if (!(err instanceof TestingError && err.code === codes.START_FAILED)) throw err
      failure = err
    }
  }
  throw failure
}

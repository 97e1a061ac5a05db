import { Agent, request } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { FastifyInstance } from 'fastify'
import type { Test } from 'tap'

export type Send = (path: string, method?: string, headers?: Record<string, string>) => Promise<number>

/**
 * Listens on loopback and returns a client that sends a request as written (path and method
 * untouched, unlike fetch) over keep-alive connections, resolving with the status code. Server
 * timing sees only requests Node's HTTP server receives, so tests of what it records go over HTTP.
 */
export async function serve (t: Test, app: FastifyInstance): Promise<Send> {
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  const agent = new Agent({ keepAlive: true, maxSockets: 16 })
  t.teardown(() => agent.destroy())
  return (path, method = 'GET', headers = {}) => new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, method, headers, agent }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode ?? 0))
    })
    req.on('error', reject)
    req.end()
  })
}

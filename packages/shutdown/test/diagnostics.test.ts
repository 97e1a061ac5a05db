import type { FastifyRequest } from 'fastify'
import t from 'tap'
import { activeHandles, describeInFlight } from '../src/diagnostics.js'

t.test('describeInFlight lists the oldest requests first, up to a limit', async (t) => {
  const inFlight = new Map<FastifyRequest, number>([
    [{ method: 'GET', url: '/a' } as FastifyRequest, 100],
    [{ method: 'POST', url: '/b' } as FastifyRequest, 200],
    [{ method: 'GET', url: '/c' } as FastifyRequest, 300]
  ])
  t.same(describeInFlight(inFlight, 1000, 2), [
    { method: 'GET', url: '/a', ageMs: 900 },
    { method: 'POST', url: '/b', ageMs: 800 }
  ])
  t.equal(describeInFlight(inFlight, 1000).length, 3)
})

t.test('activeHandles counts resources by type', async (t) => {
  const timer = setTimeout(() => {}, 10_000)
  t.teardown(() => clearTimeout(timer))
  const counts = activeHandles()
  t.ok(Number(counts.Timeout) >= 1)
})

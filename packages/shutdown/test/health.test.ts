// With the real @highload/health: readiness fails from the first moment of the drain while
// liveness stays green, whichever plugin is registered first.
import health from '@highload/health'
import { fakeClock } from '@highload/testing'
import Fastify, { type FastifyInstance } from 'fastify'
import t from 'tap'
import shutdown from '../src/index.js'

const inProcess = { signals: [], crashEvents: [], exit: () => {}, drainDelayMs: 1000 }

const orders: Array<[string, (app: FastifyInstance) => void]> = [
  ['health, then shutdown', (app) => { app.register(health); app.register(shutdown, inProcess) }],
  ['shutdown, then health', (app) => { app.register(shutdown, inProcess); app.register(health) }]
]

for (const [name, register] of orders) {
  t.test(`readiness fails at once on drain, liveness stays 200 (${name})`, async (t) => {
    const clock = fakeClock(t)
    const app = Fastify()
    register(app)
    app.get('/', async () => 'hi')
    await app.ready()
    t.equal((await app.inject('/readyz')).statusCode, 200, 'ready before the drain')

    const done = app.shutdown.start('deploy')
    t.equal(app.shutdown.phase, 'draining')
    const ready = await app.inject('/readyz')
    t.equal(ready.statusCode, 503, 'readiness fails before fastify.close() is called')
    t.ok(ready.headers['retry-after'], 'with Retry-After')
    t.equal(ready.headers.connection, 'close')
    t.equal((await app.inject('/livez')).statusCode, 200, 'liveness stays green')
    t.equal((await app.inject('/')).statusCode, 200, 'traffic is still served')

    await clock.tickAsync(1000)
    t.equal((await done).exitCode, 0)
  })
}

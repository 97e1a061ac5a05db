import t from 'tap'
import Fastify from 'fastify'
import health from '@highload/health'
import { fakeClock } from '@highload/testing'
import breaker from '../src/index.js'
import { checkName } from '../src/health.js'

for (const order of ['health first', 'breaker first'] as const) {
  t.test(`with @highload/health (${order}): critical open fails readiness, non-critical open warns`, async (t) => {
    const clock = fakeClock(t)
    const app = Fastify()
    t.teardown(() => app.close())
    const breakerOptions = { dependencies: { payments: { critical: true }, 'search api': {} } }
    if (order === 'health first') {
      await app.register(health)
      await app.register(breaker, breakerOptions)
    } else {
      await app.register(breaker, breakerOptions)
      await app.register(health)
    }
    await app.ready()
    await clock.tickAsync(3000)
    t.equal(app.health.isReady(), true)
    t.equal(app.health.status().status, 'pass')
    const names = Object.keys(app.health.status().checks).map((k) => k.split(':')[0])
    t.same(names.filter((n) => n?.startsWith('breaker.')).sort(), ['breaker.payments', 'breaker.search_api'], 'one check per dependency')

    app.breaker.isolate('search api')
    await clock.tickAsync(3000)
    t.equal(app.health.isReady(), true, 'a non-critical open breaker keeps the service ready')
    t.equal(app.health.status().status, 'warn')

    app.breaker.isolate('payments')
    await clock.tickAsync(3000)
    t.equal(app.health.isReady(), false, 'a critical open breaker fails readiness')
    t.equal(app.health.status().status, 'fail')

    app.breaker.reset('payments')
    app.breaker.reset('search api')
    await clock.tickAsync(3000)
    t.equal(app.health.isReady(), true)
    t.equal(app.health.status().status, 'pass')
  })
}

t.test('check names stay within what @highload/health accepts', async (t) => {
  t.equal(checkName('payments'), 'breaker.payments')
  t.equal(checkName('search api:v2'), 'breaker.search_api_v2')
  t.equal(checkName('x'.repeat(200)).length, 128)
})

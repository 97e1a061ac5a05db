import { readdirSync } from 'node:fs'
import type { FastifyInstance } from 'fastify'
import promClient from 'prom-client'
import t from 'tap'
import { requestList } from '../src/http/requests.js'
import { buildSuiteApp, SUITE_PLUGINS, SUITE_REQUESTS } from '../src/http/suite-app.js'
import type { HttpScenario } from '../src/http/types.js'

// What the runner needs of every scenario, checked in-process with inject(): each request of its
// mix answers 2xx on both sides, so a measured round is never a round of errors.
const dir = new URL('../src/http/scenarios/', import.meta.url)
const names = readdirSync(dir).filter((f) => f.endsWith('.ts')).map((f) => f.slice(0, -3)).sort()

async function side (t: { teardown: (fn: () => Promise<unknown>) => void }, build: () => FastifyInstance | Promise<FastifyInstance>): Promise<FastifyInstance> {
  // fastify-metrics registers in prom-client's global registry, which a second app in the same
  // process would find taken; the runner builds each side in a process of its own.
  promClient.register.clear()
  const app = await build()
  t.teardown(() => app.close())
  await app.ready()
  return app
}

for (const name of names) {
  t.test(`${name}: every request of the mix is 2xx on both sides`, async (t) => {
    const scenario = (await import(new URL(`${name}.ts`, dir).href) as { default: HttpScenario }).default
    t.equal(scenario.name, name, 'the name is the file name')
    for (const which of ['baseline', 'candidate'] as const) {
      const app = await side(t, scenario[which].build)
      for (const r of requestList(scenario.request)) {
        const res = await app.inject({ method: (r.method ?? 'GET') as 'GET', url: r.path, ...(r.headers === undefined ? {} : { headers: r.headers }), ...(r.body === undefined ? {} : { payload: r.body }) })
        t.ok(res.statusCode >= 200 && res.statusCode < 300, `${which} ${r.path}: ${res.statusCode}`)
      }
    }
  })
}

t.test('the suite app: the same bodies with and without the plugins, which are really there', async (t) => {
  const bare = await side(t, () => buildSuiteApp([]))
  const full = await side(t, () => buildSuiteApp(SUITE_PLUGINS))
  for (const { path } of SUITE_REQUESTS) {
    const [a, b] = await Promise.all([bare.inject(path), full.inject(path)])
    t.equal(b.body, a.body, path)
  }
  t.same(JSON.parse((await full.inject('/quote')).body), { symbol: 'HL', priceCents: 4200 })
  for (const decorator of ['shutdown', 'slo', 'health', 'breaker', 'cache']) {
    t.ok(full.hasDecorator(decorator), `${decorator} registered`)
    t.notOk(bare.hasDecorator(decorator), `${decorator} not in the bare app`)
  }
  t.match((await full.inject('/products/1')).headers['cache-status'], /^highload; hit/, 'the product route is answered from the cache')
  t.ok((await full.inject('/')).headers['x-ratelimit-limit'] !== undefined, 'rate limited')
  t.equal((await full.inject('/products/2')).statusCode, 404, 'an unknown product is a 404, as in the example')
  t.equal((await bare.inject('/products/2')).statusCode, 404)
})

t.test('the dependency route goes through the breaker only when it is registered', async (t) => {
  const withBreaker = await side(t, () => buildSuiteApp(['breaker']))
  await withBreaker.inject('/quote')
  t.equal(withBreaker.breaker('upstream').snapshot().calls, 1)
})

import t from 'tap'
import { buildApp } from '../src/app.js'

t.test('GET / answers hello world', async (t) => {
  const app = await buildApp()
  t.teardown(() => app.close())
  const res = await app.inject({ method: 'GET', url: '/' })
  t.equal(res.statusCode, 200)
  t.same(res.json(), { hello: 'world' })
})

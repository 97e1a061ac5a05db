import t from 'tap'
import { spawnServer } from './helpers/spawn-server.js'

t.test('the built server answers GET / and exits 0 on SIGTERM', async (t) => {
  const server = await spawnServer()
  t.teardown(() => { if (server.child.exitCode === null) server.child.kill('SIGKILL') })

  const res = await fetch(`${server.url}/`)
  t.equal(res.status, 200)
  t.same(await res.json(), { hello: 'world' })

  server.child.kill('SIGTERM')
  t.equal(await server.exited, 0, 'clean exit code')
  t.ok(server.logs.some((l) => l.msg === 'closing' && l.signal === 'SIGTERM'), 'logs the signal it closed on')
})

import t from 'tap'
import { describeRequests, requestList } from '../src/http/requests.js'
import { lua, needsWrkScript, requestBatches, requestText, wrkScript } from '../src/http/wrk-script.js'

const HOST = '127.0.0.1:8080'
const get = (path: string): string => `GET ${path} HTTP/1.1\r\nHost: ${HOST}\r\n\r\n`

t.test('a plain GET needs no script; anything else does', async (t) => {
  t.equal(needsWrkScript({ path: '/' }, 1), false)
  t.equal(needsWrkScript([{ path: '/' }], 1), false, 'a list of one is one request')
  t.equal(needsWrkScript({ path: '/' }, 2), true, 'pipelining')
  t.equal(needsWrkScript([{ path: '/' }, { path: '/b' }], 1), true, 'a mix')
  t.equal(needsWrkScript({ method: 'POST', path: '/' }, 1), true)
  t.equal(needsWrkScript({ path: '/', headers: {} }, 1), true)
  t.equal(needsWrkScript({ path: '/', body: '' }, 1), true)
})

t.test('request text as wrk.format() writes it: Host first, headers, Content-Length in bytes for a body', async (t) => {
  t.equal(requestText({ path: '/' }, HOST), get('/'))
  t.equal(requestText({ method: 'POST', path: '/orders', headers: { 'content-type': 'application/json' }, body: '{"n":"é"}' }, HOST),
    `POST /orders HTTP/1.1\r\nHost: ${HOST}\r\ncontent-type: application/json\r\nContent-Length: 10\r\n\r\n{"n":"é"}`)
})

t.test('batches: the mix in turn, pipelining requests per call, every request with its exact share', async (t) => {
  const mix = [{ path: '/a' }, { path: '/b' }, { path: '/c' }]
  t.same(requestBatches(mix, 1, HOST), [get('/a'), get('/b'), get('/c')])
  t.same(requestBatches(mix, 2, HOST), [get('/a') + get('/b'), get('/c') + get('/a'), get('/b') + get('/c')], 'lcm(3, 2) = 6 requests in 3 calls')
  t.same(requestBatches({ path: '/' }, 4, HOST), [get('/').repeat(4)])
  t.same(requestBatches([{ path: '/a' }, { path: '/b' }], 4, HOST), [get('/a') + get('/b') + get('/a') + get('/b')])
})

t.test('Lua string literals: printable ASCII kept, quotes, backslashes and other bytes escaped in decimal', async (t) => {
  t.equal(lua('GET / HTTP/1.1\r\n'), '"GET / HTTP/1.1\\13\\10"')
  t.equal(lua('a"b\\c'), '"a\\34b\\92c"')
  t.equal(lua('é'), '"\\195\\169"', 'UTF-8 bytes')
})

t.test('the script hands out the batches in turn', async (t) => {
  const script = wrkScript([{ path: '/a' }, { path: '/b' }], 1, HOST)
  t.match(script, `local reqs = {\n  ${lua(get('/a'))},\n  ${lua(get('/b'))}\n}`)
  t.match(script, 'i = i % #reqs + 1\n  return reqs[i]')
})

t.test('requestList and describeRequests: one request or a mix', async (t) => {
  t.same(requestList({ path: '/' }), [{ path: '/' }])
  const mix = [{ path: '/' }, { method: 'POST', path: '/b' }]
  t.equal(requestList(mix), mix)
  t.equal(describeRequests({ path: '/x' }), '`GET /x`')
  t.equal(describeRequests(mix), '`GET /`, `POST /b` in turn on each connection')
})

import { expect, test } from 'tstyche'
import { codes, freePort, ReadinessProxy, runZeroDowntime, ZeroDowntimeNotReadyError } from '../../src/index.js'
import type { ReadinessProxyOptions, UpstreamStats, ZeroDowntimeOptions, ZeroDowntimeReport } from '../../src/index.js'

test('runZeroDowntime', () => {
  expect(runZeroDowntime({ entry: new URL('file:///srv/server.js') })).type.toBe<Promise<ZeroDowntimeReport>>()
  expect(runZeroDowntime({ entry: './server.js', signal: 'SIGINT', durationMs: 6000, env: { NODE_ENV: 'production' } })).type.not.toRaiseError()
  expect(runZeroDowntime({})).type.toRaiseError()
  expect(runZeroDowntime({ entry: './server.js', signal: 'SIGNOPE' })).type.toRaiseError()
  expect(runZeroDowntime({ entry: './server.js', budgetMS: 1 })).type.toRaiseError()
  expect<ZeroDowntimeReport['stopped']['exitCode']>().type.toBe<number | null>()
  expect<ZeroDowntimeOptions['entry']>().type.toBe<string | URL>()
})

test('ReadinessProxy and freePort', () => {
  expect(new ReadinessProxy({ upstreams: [{ name: 'a', host: '127.0.0.1', port: 1 }] }).listen()).type.toBe<Promise<number>>()
  expect(new ReadinessProxy({ upstreams: [{ name: 'a', host: '127.0.0.1', port: 1 }] }).stats('a')).type.toBe<UpstreamStats>()
  expect(new ReadinessProxy({ upstreams: [{ name: 'a', host: '127.0.0.1' }] })).type.toRaiseError()
  expect<ReadinessProxyOptions>().type.not.toBeAssignableFrom({})
  expect(freePort('127.0.0.1')).type.toBe<Promise<number>>()
})

test('codes and errors', () => {
  expect(codes.NOT_READY).type.toBe<'HL_ZERO_DOWNTIME_NOT_READY'>()
  expect(new ZeroDowntimeNotReadyError('A', '127.0.0.1:1/readyz', '').code).type.toBe<'HL_ZERO_DOWNTIME_NOT_READY'>()
})

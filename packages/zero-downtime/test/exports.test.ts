import t from 'tap'
import { exportProblems } from '@highload/testing'
import * as kit from '../src/index.js'

t.test('named exports: the run, the proxy, freePort, codes and the error classes; no default export', async (t) => {
  t.same(Object.keys(kit).sort(), [
    'ReadinessProxy',
    'ZeroDowntimeInvalidOptionError',
    'ZeroDowntimeNotReadyError',
    'ZeroDowntimeUnknownUpstreamError',
    'codes',
    'freePort',
    'runZeroDowntime'
  ])
  t.equal(typeof kit.runZeroDowntime, 'function')
  t.equal(typeof kit.freePort, 'function')
  t.equal(typeof kit.ReadinessProxy, 'function')
})

t.test('codes: the suite\'s export rules, and each error', async (t) => {
  const { codes } = kit
  t.same(exportProblems(kit, '@highload/zero-downtime', { plugin: false }), [])
  t.same(codes, {
    INVALID_OPTION: 'HL_ZERO_DOWNTIME_INVALID_OPTION',
    NOT_READY: 'HL_ZERO_DOWNTIME_NOT_READY',
    UNKNOWN_UPSTREAM: 'HL_ZERO_DOWNTIME_UNKNOWN_UPSTREAM'
  })
  const errors: Array<[string, Error & { code: string }]> = [
    [codes.INVALID_OPTION, new kit.ZeroDowntimeInvalidOptionError('durationMs', '0', 'a positive number')],
    [codes.NOT_READY, new kit.ZeroDowntimeNotReadyError('A', '127.0.0.1:3000/readyz', 'boom')],
    [codes.UNKNOWN_UPSTREAM, new kit.ZeroDowntimeUnknownUpstreamError('C', 'A, B')]
  ]
  t.same(errors.map(([code]) => code).sort(), Object.values(codes).sort(), 'every code has a class')
  for (const [code, err] of errors) {
    t.equal(err.code, code)
    t.ok(err instanceof Error)
  }
  t.type(errors[0]?.[1], TypeError, 'a bad option is a TypeError')
})

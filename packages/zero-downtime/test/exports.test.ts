import t from 'tap'
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

t.test('codes: frozen, each with its exported error class carrying that code', async (t) => {
  const { codes } = kit
  t.ok(Object.isFrozen(codes))
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
    // Named after the code: HL_ZERO_DOWNTIME_NOT_READY -> ZeroDowntimeNotReadyError.
    const name = code.replace(/^HL_/, '').toLowerCase().replace(/(^|_)([a-z])/g, (_m, _s, c: string) => c.toUpperCase()) + 'Error'
    t.equal((kit as Record<string, unknown>)[name], err.constructor, `${name} is exported`)
  }
  t.type(errors[0]?.[1], TypeError, 'a bad option is a TypeError')
})

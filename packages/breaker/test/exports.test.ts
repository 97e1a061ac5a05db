import t from 'tap'
import { exportProblems } from '@highload/testing'
import * as main from '../src/index.js'
import * as core from '../src/core/index.js'
import {
  BreakerBulkheadFullError,
  BreakerDeadlineExceededError,
  BreakerInvalidOptionError,
  BreakerOpenError,
  BreakerTimeoutError,
  BreakerUnknownDependencyError,
  codes
} from '../src/index.js'

t.test('the suite\'s export rules: default and named plugin, its metadata, codes and an error class per code', async (t) => {
  t.same(exportProblems(main, '@highload/breaker', { plugin: true }), [])
  t.same(exportProblems(core, '@highload/breaker', { plugin: false }), [])
})

t.test('codes, and the status of each error', async (t) => {
  t.same(codes, {
    OPEN: 'HL_BREAKER_OPEN',
    BULKHEAD_FULL: 'HL_BREAKER_BULKHEAD_FULL',
    TIMEOUT: 'HL_BREAKER_TIMEOUT',
    DEADLINE_EXCEEDED: 'HL_BREAKER_DEADLINE_EXCEEDED',
    INVALID_OPTION: 'HL_BREAKER_INVALID_OPTION',
    UNKNOWN_DEPENDENCY: 'HL_BREAKER_UNKNOWN_DEPENDENCY'
  })
  const errors: Array<[string, Error & { code: string, statusCode?: number }]> = [
    [codes.OPEN, new BreakerOpenError('pay')],
    [codes.BULKHEAD_FULL, new BreakerBulkheadFullError('pay', 10)],
    [codes.TIMEOUT, new BreakerTimeoutError('pay', 100)],
    [codes.DEADLINE_EXCEEDED, new BreakerDeadlineExceededError('pay')],
    [codes.INVALID_OPTION, new BreakerInvalidOptionError('timeoutMs', '0', 'a positive number')],
    [codes.UNKNOWN_DEPENDENCY, new BreakerUnknownDependencyError('"x"', 'pay')]
  ]
  t.same(errors.map(([code]) => code).sort(), Object.values(codes).sort(), 'every code has a class')
  for (const [code, err] of errors) {
    t.equal(err.code, code)
    t.ok(err instanceof Error)
  }
  t.same(errors.map(([, err]) => err.statusCode), [503, 503, 504, 504, 500, 500])
  t.ok(new BreakerInvalidOptionError('a', 'b', 'c') instanceof TypeError)
  t.ok(new BreakerUnknownDependencyError('a', 'b') instanceof TypeError)
})

t.test('@highload/breaker/core exports the same codes and no plugin', async (t) => {
  t.equal(core.codes, codes)
  t.equal(core.codes.OPEN, 'HL_BREAKER_OPEN')
  t.equal((core as Record<string, unknown>).default, undefined)
  t.equal((core as Record<string, unknown>).fastifyHighloadBreaker, undefined)
  t.equal(typeof core.createPolicy, 'function')
})

t.test('the pre-suite names are gone, not aliased', async (t) => {
  for (const old of ['BulkheadFullError', 'TimeoutError', 'DeadlineExceededError', 'InvalidOptionError', 'UnknownDependencyError']) {
    t.equal((main as Record<string, unknown>)[old], undefined, old)
  }
})

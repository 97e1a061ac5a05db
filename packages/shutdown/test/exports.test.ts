import t from 'tap'
import { exportProblems } from '@highload/testing'
import * as shutdown from '../src/index.js'
import {
  codes,
  ShutdownBudgetExceededError,
  ShutdownCleanupTimeoutError,
  ShutdownClosingError,
  ShutdownHardDeadlineError,
  ShutdownHookFailedError,
  ShutdownInvalidOptionError
} from '../src/index.js'

t.test('the suite\'s export rules: default and named plugin, its metadata, codes and an error class per code', async (t) => {
  t.same(exportProblems(shutdown, '@highload/shutdown', { plugin: true }), [])
})

t.test('codes, and the status of each error', async (t) => {
  t.same(codes, {
    INVALID_OPTION: 'HL_SHUTDOWN_INVALID_OPTION',
    BUDGET_EXCEEDED: 'HL_SHUTDOWN_BUDGET_EXCEEDED',
    CLOSING: 'HL_SHUTDOWN_CLOSING',
    HOOK_FAILED: 'HL_SHUTDOWN_HOOK_FAILED',
    CLEANUP_TIMEOUT: 'HL_SHUTDOWN_CLEANUP_TIMEOUT',
    HARD_DEADLINE: 'HL_SHUTDOWN_HARD_DEADLINE'
  })
  const errors: Array<[string, { code: string, statusCode?: number }]> = [
    [codes.INVALID_OPTION, new ShutdownInvalidOptionError('gracePeriodMs', '0', 'a positive number')],
    [codes.BUDGET_EXCEEDED, new ShutdownBudgetExceededError('13000 ms > 5000 ms')],
    [codes.CLOSING, new ShutdownClosingError()],
    [codes.HOOK_FAILED, new ShutdownHookFailedError('stopConsumers', { cause: new Error('boom') })],
    [codes.CLEANUP_TIMEOUT, new ShutdownCleanupTimeoutError(5000, 'endPool')],
    [codes.HARD_DEADLINE, new ShutdownHardDeadlineError(29_000, 'closing')]
  ]
  t.same(errors.map(([code]) => code).sort(), Object.values(codes).sort(), 'every code has a class')
  for (const [code, err] of errors) {
    t.equal(err.code, code)
    t.ok(err instanceof Error)
  }
  t.equal(new ShutdownInvalidOptionError('a', 'b', 'c').statusCode, 500)
  t.equal(new ShutdownClosingError().statusCode, 503)
  t.equal(new ShutdownHardDeadlineError(1, 'closing').statusCode, 504)
})

import t from 'tap'
import { exportProblems } from '@highload/testing'
import * as exported from '../src/index.js'
import health, { codes } from '../src/index.js'

t.test('the suite\'s export rules: default and named plugin, its metadata, codes and an error class per code', async (t) => {
  t.same(exportProblems(exported, '@highload/health', { plugin: true }), [])
  t.equal((health as unknown as Record<symbol, unknown>)[Symbol.for('fastify.display-name')], '@highload/health')
})

t.test('codes: a frozen map from the condition to the HL_HEALTH_ code', async (t) => {
  t.same(codes, {
    INVALID_OPTION: 'HL_HEALTH_INVALID_OPTION',
    DUPLICATE_CHECK: 'HL_HEALTH_DUPLICATE_CHECK',
    CHECK_TIMEOUT: 'HL_HEALTH_CHECK_TIMEOUT',
    CHECK_FAILED: 'HL_HEALTH_CHECK_FAILED',
    CHECK_STALE: 'HL_HEALTH_CHECK_STALE',
    STARTUP_TASK_FAILED: 'HL_HEALTH_STARTUP_TASK_FAILED'
  })
})

t.test('the invalid-option error has the suite\'s message shape and is a TypeError', async (t) => {
  t.equal(new exported.HealthInvalidOptionError('paths.health', "'x'", 'a path').message,
    "Invalid @highload/health option paths.health: got 'x', expected a path")
  t.ok(new exported.HealthInvalidOptionError('a', 'b', 'c') instanceof TypeError, 'a bad option is a TypeError (500)')
})

import tap from 'tap'
import { exportProblems } from '@highload/testing'
import * as api from '../src/index.js'
import { codes } from '../src/index.js'

tap.test('the suite\'s export rules: default and named plugin, its metadata, codes and an error class per code', async (t) => {
  t.same(exportProblems(api, '@highload/metrics', { plugin: true }), [])
})

tap.test('codes: one per condition; every error is a TypeError with status 500 (each is a mistake found at registration)', async (t) => {
  t.same(Object.keys(codes), ['INVALID_OPTION', 'INVALID_TARGET', 'INVALID_THRESHOLD', 'DUPLICATE_SLO', 'UNKNOWN_SLO', 'ENDPOINT_CONFLICT'])
  const classes = Object.entries(api).filter(([name]) => name.endsWith('Error')) as unknown as Array<[string, new (...args: string[]) => Error & { statusCode: number }]>
  t.equal(classes.length, Object.keys(codes).length)
  for (const [name, ErrorClass] of classes) {
    const err = new ErrorClass('a', 'b', 'c')
    t.ok(err instanceof TypeError, `${name} is a TypeError`)
    t.equal(err.statusCode, 500)
  }
})

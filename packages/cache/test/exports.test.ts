import t from 'tap'
import { exportProblems } from '@highload/testing'
import * as api from '../src/index.js'
import {
  CacheClosedError, CacheInvalidKeyError, CacheInvalidOptionError, CacheLoaderTimeoutError, CacheUnavailableError,
  CacheUnserializableError, CacheValueTooLargeError, codes
} from '../src/index.js'

t.test('the suite\'s export rules: default and named plugin, its metadata, codes and an error class per code', async (t) => {
  t.same(exportProblems(api, '@highload/cache', { plugin: true }), [])
})

t.test('codes, and the status of each error', async (t) => {
  t.same(codes, {
    INVALID_OPTION: 'HL_CACHE_INVALID_OPTION',
    INVALID_KEY: 'HL_CACHE_INVALID_KEY',
    LOADER_TIMEOUT: 'HL_CACHE_LOADER_TIMEOUT',
    UNAVAILABLE: 'HL_CACHE_UNAVAILABLE',
    UNSERIALIZABLE: 'HL_CACHE_UNSERIALIZABLE',
    VALUE_TOO_LARGE: 'HL_CACHE_VALUE_TOO_LARGE',
    CLOSED: 'HL_CACHE_CLOSED'
  })
  const errors: Array<[string, Error & { code: string, statusCode?: number }]> = [
    [codes.INVALID_OPTION, new CacheInvalidOptionError('ttlMs', '-1', 'a number')],
    [codes.INVALID_KEY, new CacheInvalidKeyError('key', 'empty')],
    [codes.LOADER_TIMEOUT, new CacheLoaderTimeoutError(100)],
    [codes.UNAVAILABLE, new CacheUnavailableError('tags')],
    [codes.UNSERIALIZABLE, new CacheUnserializableError('k')],
    [codes.VALUE_TOO_LARGE, new CacheValueTooLargeError(2, 1)],
    [codes.CLOSED, new CacheClosedError()]
  ]
  t.same(errors.map(([code]) => code).sort(), Object.values(codes).sort(), 'every code has a class')
  for (const [code, err] of errors) t.equal(err.code, code)
  t.same(errors.map(([, err]) => err.statusCode), [500, 500, 504, 503, 500, 500, 503])
  t.ok(new CacheInvalidOptionError('a', 'b', 'c') instanceof TypeError)
  t.ok(new CacheInvalidKeyError('a', 'b') instanceof TypeError)
})

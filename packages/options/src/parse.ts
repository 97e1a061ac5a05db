import { show, type Fail, type Rule } from './rule.js'
import type { InvalidOptionErrorConstructor } from './errors.js'

/**
 * Builds a package's options parser: validates and normalises once, at registration, and throws
 * the package's invalid-option error naming the dotted path, the value and what is allowed.
 * `undefined` and `null` stand for "no options".
 */
export function createParser<T> (rule: Rule<T>, InvalidOption: InvalidOptionErrorConstructor): (input: unknown, path?: string) => T {
  const fail: Fail = (path, value, expected) => {
    throw new InvalidOption(path, show(value), expected)
  }
  return (input, path = '') => rule.parse(input === null ? undefined : input, path, fail)
}

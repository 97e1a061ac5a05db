export {
  MAX_TIMER_MS, derived, render, show,
  type Derived, type Documented, type Fail, type Output, type Parsed, type Rule, type RulesOf, type Shape
} from './rule.js'
export {
  boolean, custom, func, integer, list, ms, number, object, oneOf, optional, orFalse, path, record, required, text, toggle,
  unknownKey,
  type ListOptions, type NumberOptions, type ObjectOptions, type PathOptions, type TextOptions
} from './rules.js'
export { closest } from './suggest.js'
export { createParser } from './parse.js'
export { invalidOptionError, type InvalidOptionErrorConstructor } from './errors.js'
export { documentedDefaults } from './documented.js'
export { appendHook } from './route-hooks.js'

import {
  Derived, MAX_TIMER_MS, documentDefault, render,
  type Documented, type Fail, type Output, type Parsed, type Rule, type Shape
} from './rule.js'
import { closest } from './suggest.js'

/** `T` when the options give a plain default, else `T | undefined` (no default, or a derived one). */
type Defaulted<T, O> = O extends { default: T } ? T : T | undefined

interface Common<T> {
  /** Used when the option is absent. A `derived(...)` default leaves the value `undefined`. */
  default?: T | Derived
  /** The README's wording of the default, when rendering the value would not do. */
  doc?: string
}

export interface NumberOptions extends Common<number> {
  /** Smallest value allowed. */
  min?: number
  /** Values must be greater than this. */
  above?: number
  /** Largest value allowed. */
  max?: number
  /** Values must be less than this. */
  below?: number
  /** Whole numbers only. */
  integer?: boolean
}

function range (o: NumberOptions): string {
  if (o.min !== undefined && o.max !== undefined && o.max !== Infinity) return `from ${o.min} to ${o.max}`
  const parts: string[] = []
  if (o.above !== undefined) parts.push(`> ${o.above}`)
  else if (o.min !== undefined) parts.push(`>= ${o.min}`)
  if (o.below !== undefined) parts.push(`< ${o.below}`)
  else if (o.max !== undefined && o.max !== Infinity) parts.push(`<= ${o.max}`)
  return parts.join(' and ')
}

function fits (value: number, o: NumberOptions): boolean {
  return Number.isFinite(value) &&
    (o.integer !== true || Number.isInteger(value)) &&
    (o.min === undefined || value >= o.min) &&
    (o.above === undefined || value > o.above) &&
    (o.max === undefined || value <= o.max) &&
    (o.below === undefined || value < o.below)
}

/** Absent: the plain default, or `undefined` for a derived default or none. */
function absent<T> (o: Common<T>): T | undefined {
  return o.default instanceof Derived ? undefined : o.default
}

function numeric (noun: string, o: NumberOptions): Rule<number | undefined> {
  const expected = `${o.integer === true ? 'an integer' : 'a'} ${noun} ${range(o)}`.replace('a a ', 'a ').trimEnd()
  return {
    expected,
    documented: documentDefault(o.default, o.doc),
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) return absent(o)
      if (typeof value !== 'number' || !fits(value, o)) fail(path, value, expected)
      return value
    }
  }
}

/** A finite number within the bounds. */
export function number<const O extends NumberOptions = Record<never, never>> (options?: O): Rule<Defaulted<number, O>> {
  return numeric('number', options ?? {}) as Rule<Defaulted<number, O>>
}

/** A whole number within the bounds. */
export function integer<const O extends Omit<NumberOptions, 'integer'> = Record<never, never>> (options?: O): Rule<Defaulted<number, O>> {
  return numeric('number', { ...options, integer: true }) as Rule<Defaulted<number, O>>
}

/**
 * A duration in milliseconds: from `min` (default 0) to 2^31-1, Node's timer limit, whatever
 * `max` says.
 */
export function ms<const O extends NumberOptions = Record<never, never>> (options?: O): Rule<Defaulted<number, O>> {
  const o: NumberOptions = { ...options }
  if (o.min === undefined && o.above === undefined) o.min = 0
  o.max = Math.min(o.max ?? MAX_TIMER_MS, MAX_TIMER_MS)
  return numeric('number of milliseconds', o) as Rule<Defaulted<number, O>>
}

/** `true` or `false`. */
export function boolean<const O extends Common<boolean> = Record<never, never>> (options?: O): Rule<Defaulted<boolean, O>> {
  const o: Common<boolean> = options ?? {}
  return {
    expected: 'a boolean',
    documented: documentDefault(o.default, o.doc),
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) return absent(o) as Defaulted<boolean, O>
      if (typeof value !== 'boolean') fail(path, value, 'a boolean')
      return value as Defaulted<boolean, O>
    }
  }
}

/** One of a fixed set of values (strings, numbers, booleans). */
export function oneOf<const V extends string | number | boolean, const O extends Common<V> = Record<never, never>> (
  values: readonly V[], options?: O
): Rule<Defaulted<V, O>> {
  const o: Common<V> = options ?? {}
  const expected = values.length === 1 ? render(values[0]) : `one of ${values.map(render).join(', ')}`
  return {
    expected,
    documented: documentDefault(o.default, o.doc),
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) return absent(o) as Defaulted<V, O>
      if (!values.includes(value as V)) fail(path, value, expected)
      return value as Defaulted<V, O>
    }
  }
}

export interface TextOptions extends Common<string> {
  /** A pattern the whole string must match. */
  pattern?: RegExp
  /** What the pattern asks for, in words (the message's "expected" part). */
  expected?: string
  /** Longest string allowed. */
  maxLength?: number
}

/** A non-empty string, optionally matching a pattern. */
export function text<const O extends TextOptions = Record<never, never>> (options?: O): Rule<Defaulted<string, O>> {
  const o: TextOptions = options ?? {}
  const expected = o.expected ?? 'a non-empty string'
  return {
    expected,
    documented: documentDefault(o.default, o.doc),
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) return absent(o) as Defaulted<string, O>
      if (typeof value !== 'string' || value.length === 0 || (o.maxLength !== undefined && value.length > o.maxLength) ||
        (o.pattern !== undefined && !o.pattern.test(value))) {
        fail(path, value, expected)
      }
      return value as Defaulted<string, O>
    }
  }
}

const URL_PATH = /^\/[^?#\s]*$/

export interface PathOptions {
  /** The path used when the option is absent, or `false` for no route. */
  default: string | false
  /** Whether `false` (no route) is allowed. @default true */
  allowFalse?: boolean
}

/**
 * A URL path for a route: starts with `/`, no query, fragment or white space. `false` (when
 * allowed) becomes `null`: no route.
 */
export function path (options: PathOptions): Rule<string | null> {
  const allowFalse = options.allowFalse ?? true
  const expected = `a path starting with "/" (no query, fragment or white space)${allowFalse ? ' or false' : ''}`
  return {
    expected,
    documented: documentDefault(options.default),
    parse (value: unknown, at: string, fail: Fail) {
      if (value === undefined) value = options.default
      if (value === false && allowFalse) return null
      if (typeof value !== 'string' || !URL_PATH.test(value)) fail(at, value, expected)
      return value
    }
  }
}

/** A function. The kit cannot check its signature; the options interface documents it. */
export function func<F extends (...args: never[]) => unknown> (options?: { doc?: string }): Rule<F | undefined> {
  return {
    expected: 'a function',
    documented: options?.doc === undefined ? { kind: 'none' } : { kind: 'texts', texts: [options.doc] },
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) return undefined
      if (typeof value !== 'function') fail(path, value, 'a function')
      return value as F
    }
  }
}

/**
 * Anything a predicate accepts (class instances, clients, unions the other rules cannot say). With
 * a type guard and a plain default, the value's type is `T`, not `T | undefined`.
 */
export function custom<T, const O extends Common<T>> (
  expected: string, accepts: (value: unknown) => value is T, options: O
): Rule<Defaulted<T, O>>
export function custom<T> (expected: string, accepts: (value: unknown) => boolean, options?: Common<T>): Rule<T | undefined>
export function custom<T, const O extends Common<T>> (
  expected: string, accepts: (value: unknown) => boolean, options?: O
): Rule<Defaulted<T, O>> {
  const o: Common<T> = options ?? {}
  return {
    expected,
    documented: documentDefault(o.default, o.doc),
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) return absent(o) as Defaulted<T, O>
      if (!accepts(value)) fail(path, value, expected)
      return value as Defaulted<T, O>
    }
  }
}

export interface ListOptions<T> {
  /** Used when the option is absent. @default undefined */
  default?: readonly T[]
  /** Fewest items. @default 0 */
  minItems?: number
  /** Whether duplicates are refused. @default false */
  unique?: boolean
  doc?: string
}

/** An array whose every item passes `item`; the result is frozen. */
export function list<T, const O extends ListOptions<Output<Rule<T>>> = Record<never, never>> (
  item: Rule<T>, options?: O
): Rule<O extends { default: readonly unknown[] } ? ReadonlyArray<Exclude<T, undefined>> : ReadonlyArray<Exclude<T, undefined>> | undefined> {
  const o: ListOptions<T> = options ?? {}
  const min = o.minItems ?? 0
  const expected = `${min > 0 ? 'a non-empty array' : 'an array'}${o.unique === true ? ' of distinct items' : ''}, each ${item.expected}`
  return {
    expected,
    documented: documentDefault(o.default, o.doc),
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) return o.default as ReadonlyArray<Exclude<T, undefined>>
      if (!Array.isArray(value) || value.length < min || (o.unique === true && new Set(value).size !== value.length)) {
        fail(path, value, expected)
      }
      // An item never takes the item rule's default: a hole or an undefined entry is refused.
      return Object.freeze(Array.from(value, (entry: unknown, i) => {
        if (entry === undefined) fail(`${path}[${i}]`, entry, item.expected)
        return item.parse(entry, `${path}[${i}]`, fail) as Exclude<T, undefined>
      }))
    }
  }
}

function isPlainObject (value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The "expected" part of an unknown-key error, with a did-you-mean hint when a known key is close. */
export function unknownKey (key: string, known: readonly string[]): string {
  const hint = closest(key, known)
  return hint === undefined
    ? `one of the known options (${known.join(', ')})`
    : `one of the known options; did you mean \`${hint}\`?`
}

function join (path: string, key: string): string {
  return path === '' ? key : `${path}.${key}`
}

export interface ObjectOptions<P, R> {
  /**
   * Cross-field rules and derived values: called with the validated keys; returns the final
   * value. `fail(key, value, expected)` names a key of this object.
   */
  refine?: (parsed: P, fail: (key: string, value: unknown, expected: string) => never) => R
  /** The README's wording of the default. @default '{}' */
  doc?: string
}

/**
 * An object whose keys follow `shape`. Unknown keys are refused (with a did-you-mean hint);
 * absent, it is built from its keys' defaults. The result is frozen.
 */
export function object<const S extends Shape> (shape: S, options?: { doc?: string }): Rule<Parsed<S>>
export function object<const S extends Shape, R> (shape: S, options: ObjectOptions<Parsed<S>, R> & { refine: unknown }): Rule<R>
export function object<const S extends Shape, R> (shape: S, options?: ObjectOptions<Parsed<S>, R>): Rule<R> {
  const known = Object.keys(shape)
  const documented: Documented = { kind: 'texts', texts: options?.doc === undefined ? ['{}', expand(shape)] : [options.doc] }
  return {
    expected: 'an object',
    documented,
    shape,
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) value = {}
      if (!isPlainObject(value)) fail(path === '' ? 'options' : path, value, 'an object')
      for (const key of Object.keys(value)) {
        if (!(key in shape) || !Object.hasOwn(shape, key)) fail(join(path, key), value[key], unknownKey(key, known))
      }
      const parsed: Record<string, unknown> = {}
      for (const key of known) parsed[key] = (shape[key] as Rule<unknown>).parse(value[key], join(path, key), fail)
      const frozen = Object.freeze(parsed) as Parsed<S>
      if (options?.refine === undefined) return frozen as R
      const result = options.refine(frozen, (key, bad, expected) => fail(join(path, key), bad, expected))
      return Object.freeze(result)
    }
  }
}

/** `{ a: 1, b: 'x' }` from the keys' plain defaults (keys without one are left out). */
function expand (shape: Shape): string {
  const parts: string[] = []
  for (const [key, rule] of Object.entries(shape)) {
    const doc = rule.documented
    if (doc.kind === 'texts' && rule.shape === undefined) parts.push(`${key}: ${doc.texts[0] as string}`)
  }
  return parts.length === 0 ? '{}' : `{ ${parts.join(', ')} }`
}

/**
 * `false` turns the feature off (`null`); otherwise `rule`. `default: false`: absent is off too;
 * without it, absent means `rule`'s own default.
 */
export function orFalse<T> (rule: Rule<T>, options?: { default?: false }): Rule<T | null> {
  const off = options?.default === false
  return {
    expected: `${rule.expected} or false`,
    documented: off ? { kind: 'texts', texts: ['false'] } : rule.documented,
    shape: rule.shape,
    parse (value: unknown, path: string, fail: Fail) {
      if (value === false || (value === undefined && off)) return null
      return rule.parse(value, path, (at, bad, expected) => fail(at, bad, at === path ? `${expected} or false` : expected))
    }
  }
}

/**
 * A feature switched by `true`/`false` or configured by an object: `false` is off (`null`), `true`
 * is on with `rule`'s defaults, an object must pass `rule`. Absent: `default`.
 */
export function toggle<T> (rule: Rule<T>, options: { default: boolean }): Rule<T | null> {
  const expected = `true, false or ${rule.expected}`
  return {
    expected,
    documented: { kind: 'texts', texts: [String(options.default)] },
    shape: rule.shape,
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) value = options.default
      if (value === false) return null
      if (value === true) return rule.parse(undefined, path, fail)
      return rule.parse(value, path, (at, bad, wanted) => fail(at, bad, at === path ? `true, false or ${wanted}` : wanted))
    }
  }
}

/** Absent stays `undefined` (the feature is off or unset); present, it must pass `rule`. */
export function optional<T> (rule: Rule<T>, options?: { doc?: string }): Rule<T | undefined> {
  return {
    expected: rule.expected,
    documented: options?.doc === undefined ? { kind: 'none' } : { kind: 'texts', texts: [options.doc] },
    shape: rule.shape,
    parse (value: unknown, path: string, fail: Fail) {
      return value === undefined ? undefined : rule.parse(value, path, fail)
    }
  }
}

/** The option must be given. */
export function required<T> (rule: Rule<T | undefined>): Rule<T> {
  return {
    expected: rule.expected,
    documented: { kind: 'required' },
    shape: rule.shape,
    parse (value: unknown, path: string, fail: Fail) {
      if (value === undefined) fail(path, value, rule.expected)
      return rule.parse(value, path, fail) as T
    }
  }
}

/** An object used as a map: any key matching `key`, each value following `value`. */
export function record<T> (value: Rule<T>, options?: { key?: RegExp, keyExpected?: string }): Rule<Readonly<Record<string, T>>> {
  const keyExpected = options?.keyExpected ?? 'a name'
  return {
    expected: `an object mapping names to ${value.expected}`,
    documented: { kind: 'texts', texts: ['{}'] },
    parse (input: unknown, path: string, fail: Fail) {
      if (input === undefined) input = {}
      if (!isPlainObject(input)) fail(path, input, `an object mapping names to ${value.expected}`)
      const out: Record<string, T> = {}
      for (const [key, entry] of Object.entries(input)) {
        if (options?.key !== undefined && !options.key.test(key)) fail(join(path, key), key, keyExpected)
        out[key] = value.parse(entry, join(path, key), fail)
      }
      return Object.freeze(out)
    }
  }
}

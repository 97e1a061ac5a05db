import { inspect } from 'node:util'

/** Node's timer limit: a longer `setTimeout` fires after 1 ms (with a `TimeoutOverflowWarning`). */
export const MAX_TIMER_MS = 2_147_483_647

/** Throws the package's invalid-option error for the value at `path`. */
export type Fail = (path: string, value: unknown, expected: string) => never

/**
 * What the README's options table must say in the default column. `required`: the option has no
 * default; `none`: absent means off or unset; `texts`: any of these renderings (backticks and
 * white space do not count).
 */
export type Documented =
  | { readonly kind: 'required' }
  | { readonly kind: 'none' }
  | { readonly kind: 'texts', readonly texts: readonly string[] }

/** One option's rule: what it accepts, its default, and how it is documented. */
export interface Rule<T> {
  /** What a valid value is: the "expected …" part of the error message. */
  readonly expected: string
  /** The default as documented. */
  readonly documented: Documented
  /** The rules of an object's keys (for documentation and nested tables). */
  readonly shape?: Shape
  /** Validates `value` (`undefined` when absent) found at `path`; returns the normalised value. */
  parse (value: unknown, path: string, fail: Fail): T
}

/** The rules of an object's keys. */
export type Shape = { readonly [key: string]: Rule<unknown> }

/** What a rule returns. */
export type Output<R> = R extends Rule<infer T> ? T : never

/** The normalised, frozen object a shape produces. */
export type Parsed<S extends Shape> = { readonly [K in keyof S]: Output<S[K]> }

/**
 * A rule table for an options interface: the compiler proves it names exactly the interface's keys
 * (`satisfies RulesOf<Options>` rejects a missing key and, on an object literal, an extra one).
 */
export type RulesOf<O> = { readonly [K in keyof O]-?: Rule<unknown> }

/** A default computed from other options; `text` is how the README writes it. */
export class Derived {
  readonly text: string
  constructor (text: string) {
    this.text = text
  }
}

/** Marks a default that the package computes after validation (`derived('max(60000, openMs)')`). */
export function derived (text: string): Derived {
  return new Derived(text)
}

/** How a value is shown in messages: bounded, so hostile input cannot make a huge message. */
export function show (value: unknown): string {
  return inspect(value, { depth: 1, breakLength: Infinity, maxArrayLength: 10, maxStringLength: 100 })
}

/** How a default value is written in a README (numbers without separators, strings quoted). */
export function render (value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value)
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, v]) => `${k}: ${render(v)}`).join(', ')} }`
  }
  return String(value)
}

/** The documentation of a default: a value, a derived default, or none. */
export function documentDefault (value: unknown, doc?: string): Documented {
  if (doc !== undefined) return { kind: 'texts', texts: [doc] }
  if (value instanceof Derived) return { kind: 'texts', texts: [value.text] }
  if (value === undefined) return { kind: 'none' }
  return { kind: 'texts', texts: [render(value)] }
}

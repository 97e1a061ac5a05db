import type { Documented, Rule } from './rule.js'

/**
 * Every documented default under `rule`, by dotted path (`breaker.windowSize`): what a README's
 * options table must say. Object keys are listed with their own keys below them.
 */
export function documentedDefaults (rule: Rule<unknown>): ReadonlyMap<string, Documented> {
  const out = new Map<string, Documented>()
  const walk = (r: Rule<unknown>, prefix: string): void => {
    for (const [key, child] of Object.entries(r.shape ?? {})) {
      const path = prefix === '' ? key : `${prefix}.${key}`
      out.set(path, child.documented)
      walk(child, path)
    }
  }
  walk(rule, '')
  return out
}

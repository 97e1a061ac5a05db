function globToMatcher (pattern: string): (url: string) => boolean {
  if (!pattern.includes('*')) return (u) => u === pattern
  const source = pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')
  const re = new RegExp(`^${source}$`)
  return (u) => re.test(u)
}

/**
 * One predicate over route templates for an SLO's `routes`: exact templates, globs with `*`, or
 * regular expressions. Runs once per route, when it is added.
 */
export function routeMatcher (patterns: ReadonlyArray<string | RegExp>): (url: string) => boolean {
  const matchers = patterns.map((entry) => {
    if (typeof entry === 'string') return globToMatcher(entry)
    // A copy without the g/y flags, whose lastIndex would make test() stateful.
    const re = new RegExp(entry.source, entry.flags.replace(/[gy]/g, ''))
    return (u: string) => re.test(u)
  })
  return (u) => matchers.some((match) => match(u))
}

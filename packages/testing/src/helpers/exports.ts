/** `zero-downtime` → `ZeroDowntime`; `HL_BREAKER_BULKHEAD_FULL` → `BreakerBulkheadFull` (after the prefix). */
function pascal (words: string): string {
  return words.toLowerCase().replace(/(^|[-_])([a-z0-9])/g, (_m, _sep, c: string) => c.toUpperCase())
}

export interface ExportRules {
  /** A Fastify plugin package: default export, `fastifyHighload<Pkg>`, fastify-plugin metadata. */
  plugin: boolean
}

/**
 * What a package's module breaks of the suite's export rules (CONTRIBUTING.md, "Names"): a frozen
 * `codes` whose every entry is `HL_<PKG>_<KEY>`, an exported error class named after each code that
 * carries it, and for a plugin the default export equal to `fastifyHighload<Pkg>` with fastify-plugin
 * metadata `{ name, fastify: '5.x' }`. One line per problem; none when the module follows them.
 */
export function exportProblems (mod: Readonly<Record<string, unknown>>, packageName: string, rules: ExportRules): string[] {
  const problems: string[] = []
  const short = packageName.replace(/^@highload\//, '')
  const prefix = `HL_${short.toUpperCase().replace(/-/g, '_')}_`
  const codes = mod.codes as Record<string, unknown> | undefined
  if (codes === undefined || typeof codes !== 'object' || codes === null) {
    problems.push('no codes export')
  } else {
    if (!Object.isFrozen(codes)) problems.push('codes is not frozen')
    for (const [key, code] of Object.entries(codes)) {
      if (code !== prefix + key) problems.push(`codes.${key} is ${String(code)}, not ${prefix}${key}`)
      const className = pascal(String(code).replace(/^HL_/, '')) + 'Error'
      const ErrorClass = mod[className]
      if (typeof ErrorClass !== 'function') {
        problems.push(`no ${className} export for ${String(code)}`)
        continue
      }
      const instance = new (ErrorClass as new () => { code?: unknown })()
      if (!(instance instanceof Error) || instance.code !== code) problems.push(`${className} does not carry ${String(code)}`)
    }
  }
  if (rules.plugin) {
    const named = `fastifyHighload${pascal(short)}`
    const plugin = mod.default as Record<symbol, unknown> | undefined
    if (typeof plugin !== 'function') {
      problems.push('no default export')
      return problems
    }
    if (mod[named] !== plugin) problems.push(`${named} is not the default export`)
    const meta = plugin[Symbol.for('plugin-meta')] as { name?: unknown, fastify?: unknown } | undefined
    if (meta?.name !== packageName || meta.fastify !== '5.x') problems.push(`fastify-plugin metadata is not { name: '${packageName}', fastify: '5.x' }`)
    if (plugin[Symbol.for('skip-override')] !== true) problems.push('the plugin is encapsulated (not wrapped with fastify-plugin)')
  }
  return problems
}

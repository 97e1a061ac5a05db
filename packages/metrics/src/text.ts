// Prometheus text exposition (format 0.0.4) helpers.

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

/** Escapes a label value: backslash, double quote and line feed. */
export function escapeLabel (value: string): string {
  return value.replace(/[\\"\n]/g, (c) => c === '\n' ? '\\n' : `\\${c}`)
}

/** Escapes HELP text: backslash and line feed. */
export function escapeHelp (value: string): string {
  return value.replace(/[\\\n]/g, (c) => c === '\n' ? '\\n' : '\\\\')
}

/** `a="x",b="y"` from parallel name and value lists (values escaped here). */
export function labelBody (names: readonly string[], values: readonly string[]): string {
  let out = ''
  for (let i = 0; i < names.length; i++) {
    if (i > 0) out += ','
    out += `${names[i] as string}="${escapeLabel(values[i] as string)}"`
  }
  return out
}

/** `# HELP` and `# TYPE` lines of one family. */
export function header (name: string, help: string, type: 'counter' | 'gauge' | 'histogram'): string {
  return `# HELP ${name} ${escapeHelp(help)}\n# TYPE ${name} ${type}\n`
}

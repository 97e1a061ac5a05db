import { documentedDefaults, type Documented, type Rule } from '@highload/options'

const NONE = new Set(['none', 'omitted', 'unset', '—', '-'])
const REQUIRED = new Set(['required', '(required)'])

/** Backticks out, one space for any white space, one kind of quote, no digit separators. */
function normalize (cell: string): string {
  return cell.replace(/`/g, '').replace(/\\\|/g, '|').replace(/"/g, "'").replace(/(\d)[_,](?=\d{3}\b)/g, '$1').replace(/\s+/g, ' ').trim()
}

function cells (line: string): string[] {
  return line.trim().replace(/^\||\|$/g, '').split(/(?<!\\)\|/).map((c) => c.trim())
}

/** The first table under the heading whose text is `heading`, as rows of cells (header first). */
function tableUnder (markdown: string, heading: string): string[][] | undefined {
  const lines = markdown.split('\n')
  const start = lines.findIndex((line) => /^#+\s/.test(line) && line.replace(/^#+\s+/, '').trim() === heading)
  if (start === -1) return undefined
  const rows: string[][] = []
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i] as string
    if (/^#+\s/.test(line)) break
    if (line.trim().startsWith('|')) {
      if (!/^\|?\s*:?-{3,}/.test(line.trim())) rows.push(cells(line))
    } else if (rows.length > 0) {
      break
    }
  }
  return rows.length === 0 ? undefined : rows
}

function matches (cell: string, documented: Documented): boolean {
  if (documented.kind === 'required') return REQUIRED.has(cell.toLowerCase())
  if (documented.kind === 'none') return NONE.has(cell.toLowerCase()) || /^(none|omitted|unset)\b/i.test(cell)
  return documented.texts.some((text) => {
    const wanted = normalize(text)
    return cell === wanted || cell.startsWith(wanted + ' ')
  })
}

function describe (documented: Documented): string {
  if (documented.kind === 'texts') return documented.texts.map((text) => `\`${text}\``).join(' or ')
  return documented.kind === 'required' ? '"required"' : '"none" (or "omitted", "—")'
}

/**
 * Compares each README options table with the code: `tables` maps a heading's text to the rule
 * whose keys that heading's first table documents (an `option`/`field` column and a `default`
 * column). Returns one line per problem: a default that differs from the code's, a documented
 * option the code does not have, or an option of the rule that no row documents.
 */
export function readmeDefaultProblems (markdown: string, tables: Readonly<Record<string, Rule<unknown>>>): string[] {
  const problems: string[] = []
  for (const [heading, rule] of Object.entries(tables)) {
    const rows = tableUnder(markdown, heading)
    if (rows === undefined) {
      problems.push(`no table under the heading "${heading}"`)
      continue
    }
    const header = (rows[0] as string[]).map((c) => c.toLowerCase())
    const nameColumn = header.findIndex((c) => c === 'option' || c === 'field')
    const defaultColumn = header.indexOf('default')
    if (nameColumn === -1 || defaultColumn === -1) {
      problems.push(`the table under "${heading}" needs an "option" (or "field") column and a "default" column`)
      continue
    }
    const known = documentedDefaults(rule)
    const seen = new Set<string>()
    for (const row of rows.slice(1)) {
      const [option, cell] = [nameColumn, defaultColumn].map((i) => normalize(row[i] ?? '')) as [string, string]
      seen.add(option.split('.')[0] as string)
      const documented = known.get(option)
      if (documented === undefined) {
        problems.push(`${heading}: \`${option}\` is documented but is not an option`)
      } else if (!matches(cell, documented)) {
        problems.push(`${heading}: \`${option}\` is documented with default "${cell}", the code says ${describe(documented)}`)
      }
    }
    for (const key of Object.keys(rule.shape ?? {})) {
      if (!seen.has(key)) problems.push(`${heading}: \`${key}\` has no row`)
    }
  }
  return problems
}

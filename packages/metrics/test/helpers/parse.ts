// A strict parser for the Prometheus text format 0.0.4, used to prove the exposition is valid.

export interface Sample {
  name: string
  labels: Record<string, string>
  value: number
}

export interface MetricFamily {
  name: string
  type: string
  help: string
  samples: Sample[]
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped'])

function parseValue (raw: string, line: string): number {
  // Prometheus parses these with Go's ParseFloat, which ignores case (prom-client writes "Nan").
  if (/^\+?inf$/i.test(raw)) return Infinity
  if (/^-inf$/i.test(raw)) return -Infinity
  if (/^nan$/i.test(raw)) return NaN
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(raw)) throw new Error(`bad value ${raw} in: ${line}`)
  return Number(raw)
}

function parseLabels (text: string, line: string): { labels: Record<string, string>, rest: string } {
  const labels: Record<string, string> = {}
  let i = 0
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i)
    const name = text.slice(i, eq)
    if (!LABEL.test(name)) throw new Error(`bad label name ${name} in: ${line}`)
    if (name in labels) throw new Error(`duplicate label ${name} in: ${line}`)
    if (text[eq + 1] !== '"') throw new Error(`unquoted label value in: ${line}`)
    let value = ''
    let j = eq + 2
    for (;;) {
      const c = text[j]
      if (c === undefined) throw new Error(`unterminated label value in: ${line}`)
      if (c === '"') break
      if (c === '\n') throw new Error(`raw newline in: ${line}`)
      if (c === '\\') {
        const next = text[j + 1]
        if (next === 'n') value += '\n'
        else if (next === '\\' || next === '"') value += next
        else throw new Error(`bad escape \\${String(next)} in: ${line}`)
        j += 2
        continue
      }
      value += c
      j++
    }
    labels[name] = value
    i = j + 1
    if (text[i] === ',') i++
    else if (text[i] !== '}') throw new Error(`expected , or } in: ${line}`)
  }
  return { labels, rest: text.slice(i + 1) }
}

function familyOf (sample: string, families: Map<string, MetricFamily>): MetricFamily | undefined {
  const direct = families.get(sample)
  if (direct !== undefined) return direct
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (sample.endsWith(suffix)) {
      const family = families.get(sample.slice(0, -suffix.length))
      if (family?.type === 'histogram' || family?.type === 'summary') return family
    }
  }
  return undefined
}

/** Parses and checks an exposition; throws on the first violation. */
export function parseExposition (text: string): Map<string, MetricFamily> {
  if (!text.endsWith('\n')) throw new Error('exposition must end with a newline')
  const families = new Map<string, MetricFamily>()
  const series = new Set<string>()
  let current: MetricFamily | null = null
  const closed = new Set<string>()
  for (const line of text.slice(0, -1).split('\n')) {
    if (line === '') continue
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line)
      if (m === null) continue
      const [, kind, name = '', rest = ''] = m
      if (!NAME.test(name)) throw new Error(`bad metric name in: ${line}`)
      let family = families.get(name)
      if (family === undefined) {
        if (closed.has(name)) throw new Error(`family ${name} appears twice`)
        family = { name, type: 'untyped', help: '', samples: [] }
        families.set(name, family)
      } else if (family.samples.length > 0) {
        throw new Error(`${kind as string} for ${name} after its samples`)
      }
      if (current !== null && current !== family) closed.add(current.name)
      current = family
      if (kind === 'TYPE') {
        if (!TYPES.has(rest)) throw new Error(`bad type in: ${line}`)
        family.type = rest
      } else {
        family.help = rest
      }
      continue
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)([{ ].*)$/.exec(line)
    if (m === null) throw new Error(`bad sample line: ${line}`)
    const name = m[1] as string
    let rest = m[2] as string
    let labels: Record<string, string> = {}
    if (rest.startsWith('{')) {
      const parsed = parseLabels(rest.slice(1), line)
      labels = parsed.labels
      rest = parsed.rest
    }
    const parts = rest.trim().split(' ')
    if (!rest.startsWith(' ') || parts.length < 1 || parts.length > 2) throw new Error(`bad sample line: ${line}`)
    const value = parseValue(parts[0] as string, line)
    const family = familyOf(name, families)
    if (family === undefined) throw new Error(`sample ${name} has no # TYPE`)
    if (family !== current) throw new Error(`samples of ${family.name} are not contiguous`)
    const key = name + JSON.stringify(Object.entries(labels).sort())
    if (series.has(key)) throw new Error(`duplicate series: ${line}`)
    series.add(key)
    family.samples.push({ name, labels, value })
  }
  for (const family of families.values()) if (family.type === 'histogram') checkHistogram(family)
  return families
}

function checkHistogram (family: MetricFamily): void {
  const groups = new Map<string, Sample[]>()
  for (const s of family.samples) {
    const { le, ...rest } = s.labels
    const key = JSON.stringify(Object.entries(rest).sort())
    if (s.name === `${family.name}_bucket` && le === undefined) throw new Error(`bucket without le in ${family.name}`)
    groups.set(key, [...(groups.get(key) ?? []), s])
  }
  for (const [key, samples] of groups) {
    const buckets = samples.filter((s) => s.name.endsWith('_bucket'))
    let last = -1
    let lastLe = -Infinity
    for (const b of buckets) {
      const le = parseValue(b.labels.le as string, key)
      if (le <= lastLe) throw new Error(`buckets out of order in ${family.name} ${key}`)
      if (b.value < last) throw new Error(`buckets not cumulative in ${family.name} ${key}`)
      last = b.value
      lastLe = le
    }
    if (lastLe !== Infinity) throw new Error(`no +Inf bucket in ${family.name} ${key}`)
    const count = samples.find((s) => s.name === `${family.name}_count`)
    const sum = samples.find((s) => s.name === `${family.name}_sum`)
    if (count === undefined || sum === undefined) throw new Error(`missing _sum or _count in ${family.name} ${key}`)
    if (count.value !== last) throw new Error(`+Inf bucket differs from _count in ${family.name} ${key}`)
  }
}

/** Samples of one family matching every given label. */
export function samples (families: Map<string, MetricFamily>, name: string, labels: Record<string, string> = {}, sampleName = name): Sample[] {
  return (families.get(name)?.samples ?? []).filter((s) =>
    s.name === sampleName && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
}

/** Total number of series in an exposition (every sample line). */
export function seriesCount (families: Map<string, MetricFamily>): number {
  let n = 0
  for (const f of families.values()) n += f.samples.length
  return n
}

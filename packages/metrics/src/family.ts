import { header, labelBody } from './text.js'

interface Entry {
  readonly body: string
  value: number
}

const MAX_LABEL_LENGTH = 128

/**
 * A small labelled counter or gauge with a series cap, for low-rate data (suite events).
 * Label sets are looked up by key here; the HTTP hot path never uses this class.
 */
export class Family {
  readonly name: string
  readonly help: string
  readonly type: 'counter' | 'gauge'
  readonly labelNames: readonly string[]
  private readonly maxSeries: number
  private readonly series = new Map<string, Entry>()
  private overflow: Entry | null = null
  /** Label sets refused because the cap was reached. */
  dropped = 0

  constructor (name: string, help: string, type: 'counter' | 'gauge', labelNames: readonly string[], maxSeries: number) {
    this.name = name
    this.help = help
    this.type = type
    this.labelNames = labelNames
    this.maxSeries = maxSeries
  }

  get size (): number {
    return this.series.size + (this.overflow === null ? 0 : 1)
  }

  private entry (values: readonly string[]): Entry {
    const key = values.join('\u0000')
    let entry = this.series.get(key)
    if (entry !== undefined) return entry
    if (this.series.size >= this.maxSeries) {
      this.dropped++
      this.overflow ??= { body: `${this.labelNames[0] as string}="__overflow__"`, value: 0 }
      return this.overflow
    }
    entry = { body: labelBody(this.labelNames, values.map((v) => v.slice(0, MAX_LABEL_LENGTH))), value: 0 }
    this.series.set(key, entry)
    return entry
  }

  inc (values: readonly string[], by = 1): void {
    this.entry(values).value += by
  }

  set (values: readonly string[], value: number): void {
    this.entry(values).value = value
  }

  render (): string {
    if (this.size === 0) return ''
    let out = header(this.name, this.help, this.type)
    for (const entry of this.series.values()) out += `${this.name}{${entry.body}} ${entry.value}\n`
    if (this.overflow !== null) out += `${this.name}{${this.overflow.body}} ${this.overflow.value}\n`
    return out
  }
}

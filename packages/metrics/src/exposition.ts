import { Family } from './family.js'
import type { DurationHistogram } from './histogram.js'
import { SERIES_DROPPED, SLO_FAMILIES } from './names.js'
import type { SloEngine } from './slo/engine.js'
import { renderSlo } from './slo/metrics.js'
import type { SuiteEvents } from './suite.js'

/** What we need of a prom-client (or compatible) registry. */
export interface TextRegistry {
  metrics (): Promise<string>
}

/**
 * Appends registry texts to our own, dropping any family whose name was already emitted, so the
 * combined response never repeats a metric name (Prometheus rejects the whole scrape when it
 * does). `seen` holds the names emitted so far; `onDuplicate` hears each dropped name.
 */
export function appendFamilies (out: string, text: string, seen: Set<string>, onDuplicate: (name: string) => void): string {
  let keep = true
  let family = ''
  for (const line of text.split('\n')) {
    if (line === '') continue
    if (line.startsWith('# HELP ') || line.startsWith('# TYPE ')) {
      const name = line.slice(7, line.indexOf(' ', 7) >>> 0)
      if (name !== family) {
        family = name
        keep = !seen.has(name)
        if (keep) seen.add(name)
        else onDuplicate(name)
      }
    }
    if (keep) out += line + '\n'
  }
  return out
}

/** What one app's exposition is made of. */
export interface ExpositionSources {
  readonly histogram: DurationHistogram
  readonly engine: SloEngine
  /** null when `suiteEvents` is off. */
  readonly suite: SuiteEvents | null
  /** fastify-metrics' registries, appended after our own families. */
  readonly registries: readonly TextRegistry[]
  /** How long a render is reused; 0 renders every time. */
  readonly cacheMs: number
  readonly now: () => number
  readonly log: { warn (obj: object, msg: string): void }
}

/**
 * The render of the full exposition `GET /metrics` serves: RED, series dropped, SLO and suite
 * families, then the registries' text without the names already emitted. A render is reused for
 * `cacheMs`, so concurrent scrapers share one.
 */
export function exposition ({ histogram, engine, suite, registries, cacheMs, now, log }: ExpositionSources): () => Promise<string> {
  const dropped = new Family(SERIES_DROPPED, 'Label sets not recorded because a metric reached its series cap.', 'counter', ['metric'], Infinity)
  const warned = new Set<string>()
  let cache: { text: string, at: number } | null = null
  return async function render (): Promise<string> {
    const at = now()
    if (cache !== null && cacheMs > 0 && at - cache.at < cacheMs) return cache.text
    dropped.set([histogram.name], histogram.dropped)
    for (const family of suite?.families ?? []) if (family.dropped > 0) dropped.set([family.name], family.dropped)
    let text = histogram.render() + dropped.render() + renderSlo(engine.status())
    for (const family of suite?.families ?? []) text += family.render()
    // Every name we own, rendered or not, so a registry cannot repeat one.
    const seen = new Set([histogram.name, SERIES_DROPPED, ...SLO_FAMILIES, ...(suite?.families ?? []).map((f) => f.name)])
    for (const registry of registries) {
      text = appendFamilies(text, await registry.metrics(), seen, (name) => {
        if (warned.has(name)) return
        warned.add(name)
        log.warn({ metric: name }, `@highload/metrics: metric ${name} is defined twice; the second definition is left out of the exposition`)
      })
    }
    cache = { text, at }
    return text
  }
}

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

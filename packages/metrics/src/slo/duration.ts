const UNITS: ReadonlyArray<[string, number]> = [['d', 86_400_000], ['h', 3_600_000], ['m', 60_000], ['s', 1000]]

/** A Prometheus duration (`5m`, `1h`, `30d`) for a whole number of seconds. */
export function formatDuration (ms: number): string {
  for (const [unit, size] of UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

export const MINUTE = 60_000
export const HOUR = 60 * MINUTE
export const DAY = 24 * HOUR

const UNITS: ReadonlyArray<[string, number]> = [['d', DAY], ['h', HOUR], ['m', MINUTE], ['s', 1000]]

/** A Prometheus duration (`5m`, `1h`, `30d`) for a whole number of seconds. */
export function formatDuration (ms: number): string {
  for (const [unit, size] of UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`
  }
  return `${ms}ms`
}

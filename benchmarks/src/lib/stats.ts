/** Median; the mean of the two middle values for an even count. */
export function median (values: readonly number[]): number {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1
    ? sorted[mid] as number
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

export function round (value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

/** 12345.6 -> "12,346" */
export function fmtInt (value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a'
}

export function fmtFixed (value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

/** ns with a precision that suits the magnitude. */
export function fmtNs (value: number): string {
  if (!Number.isFinite(value)) return 'n/a'
  const abs = Math.abs(value)
  return abs >= 100 ? fmtInt(value) : abs >= 10 ? value.toFixed(1) : value.toFixed(2)
}

/**
 * Paired per-round comparison of a task with the baseline: the median over rounds of each round's
 * difference and ratio. The tasks of a round run back to back, so a slowdown of the machine that
 * lasts a round shifts both alike and cancels here, where the difference of two medians would keep it.
 * Rounds missing on either side are skipped.
 */
export function pairedMedians (task: readonly number[], baseline: readonly number[]): { difference: number, ratio: number } {
  const differences: number[] = []
  const ratios: number[] = []
  for (let i = 0; i < Math.min(task.length, baseline.length); i++) {
    differences.push((task[i] as number) - (baseline[i] as number))
    ratios.push((task[i] as number) / (baseline[i] as number))
  }
  return { difference: median(differences), ratio: median(ratios) }
}

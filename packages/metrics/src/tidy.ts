/** Drops float noise such as 1 - 0.999 = 0.0010000000000000009. */
export function tidy (value: number): number {
  return Number(value.toPrecision(12))
}

import type { DbNode } from './node.js'

/** Picks one node of `candidates` (never empty). */
export type Selector = (candidates: readonly DbNode[], now: number) => DbNode

/** Draws one node in proportion to its effective weight, skipping `skip`. */
function draw (candidates: readonly DbNode[], now: number, skip: DbNode | null): DbNode {
  let total = 0
  for (const node of candidates) if (node !== skip) total += node.effectiveWeight(now)
  let point = Math.random() * total
  let last = candidates[0] as DbNode
  for (const node of candidates) {
    if (node === skip) continue
    last = node
    point -= node.effectiveWeight(now)
    if (point < 0) return node
  }
  /* c8 ignore next 2 -- floating-point rounding can leave the point at the very end: the last node takes it */
  return last
}

/** Power of two choices: two distinct nodes drawn by weight; fewer in flight wins, ties to the first. */
export function p2c (candidates: readonly DbNode[], now: number): DbNode {
  if (candidates.length === 1) return candidates[0] as DbNode
  const first = draw(candidates, now, null)
  const second = draw(candidates, now, first)
  return second.inFlight < first.inFlight ? second : first
}

/** In turn, whatever the weights. */
export function roundRobin (): Selector {
  let next = 0
  return (candidates) => {
    const node = candidates[next % candidates.length] as DbNode
    next = (next + 1) % 1_000_000
    return node
  }
}

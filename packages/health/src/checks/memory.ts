import { getHeapStatistics } from 'node:v8'
import { HealthCheckFailedError, HealthInvalidOptionError } from '../errors.js'
import type { HealthCheckOptions, HealthCheckSpec } from '../options.js'

/** Options of `memoryCheck()`. The check is never critical: memory pressure alone should not pull the pod. */
export interface MemoryCheckOptions extends Omit<HealthCheckOptions, 'critical' | 'dispose'> {
  /** @default 'memory' */
  name?: string
  /**
   * Fail (warn) when `heapUsed` exceeds this many bytes.
   * @default 90% of V8's heap_size_limit
   */
  maxHeapUsedBytes?: number
  /**
   * Fail (warn) when the resident set size exceeds this many bytes.
   * @default undefined (no limit)
   */
  maxRssBytes?: number
}

function positiveBytes (option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new HealthInvalidOptionError(`"memoryCheck.${option}" must be a positive integer number of bytes, got ${String(value)}`)
  }
  return value
}

/** Heap and RSS, reported as `memory:utilization`: heap used as a percentage of V8's heap limit. */
export function memoryCheck (options: MemoryCheckOptions = {}): HealthCheckSpec {
  const { maxHeapUsedBytes, maxRssBytes, name = 'memory', ...rest } = options
  const heapLimitBytes = getHeapStatistics().heap_size_limit
  const maxHeap = positiveBytes('maxHeapUsedBytes', maxHeapUsedBytes) ?? Math.floor(heapLimitBytes * 0.9)
  const maxRss = positiveBytes('maxRssBytes', maxRssBytes) ?? Infinity

  return {
    componentType: 'system',
    measurement: 'utilization',
    ...rest,
    name,
    critical: false,
    check () {
      const { heapUsed, heapTotal, rss } = process.memoryUsage()
      if (heapUsed > maxHeap) throw new HealthCheckFailedError(`heap used ${heapUsed} bytes is above ${maxHeap} bytes`)
      if (rss > maxRss) throw new HealthCheckFailedError(`rss ${rss} bytes is above ${maxRss} bytes`)
      return {
        observedValue: Math.round((heapUsed / heapLimitBytes) * 10000) / 100,
        observedUnit: '%',
        details: { heapUsedBytes: heapUsed, heapTotalBytes: heapTotal, heapLimitBytes, rssBytes: rss }
      }
    }
  }
}

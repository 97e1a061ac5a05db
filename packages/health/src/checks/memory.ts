import { getHeapStatistics } from 'node:v8'
import { createParser, derived, integer, object, text, type RulesOf } from '@highload/options'
import { HealthCheckFailedError, HealthInvalidOptionError } from '../errors.js'
import { checkName, checkRunRules, measurement } from '../options.js'
import type { HealthCheckOptions, HealthCheckRunOptions, HealthCheckSpec } from '../options.js'

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
  /** @default 'system' */
  componentType?: string
  /** @default 'utilization' */
  measurement?: string
}

/** The options that are the factory's own or have its own defaults (the README's `memoryCheck()` table). */
export const memoryOwnRules = {
  name: checkName('memory'),
  maxHeapUsedBytes: integer({ min: 1, default: derived('90% of the heap limit') }),
  maxRssBytes: integer({ min: 1 }),
  componentType: text({ default: 'system' }),
  measurement: measurement('utilization')
} satisfies RulesOf<Omit<MemoryCheckOptions, keyof HealthCheckRunOptions>>

const parseMemoryOptions = createParser(
  object({ ...checkRunRules, ...memoryOwnRules } satisfies RulesOf<MemoryCheckOptions>),
  HealthInvalidOptionError
)

/** Heap and RSS, reported as `memory:utilization`: heap used as a percentage of V8's heap limit. */
export function memoryCheck (options: MemoryCheckOptions = {}): HealthCheckSpec {
  const { maxHeapUsedBytes, maxRssBytes, ...rest } = parseMemoryOptions(options, 'memoryCheck')
  const heapLimitBytes = getHeapStatistics().heap_size_limit
  const maxHeap = maxHeapUsedBytes ?? Math.floor(heapLimitBytes * 0.9)
  const maxRss = maxRssBytes ?? Infinity

  return {
    ...rest,
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

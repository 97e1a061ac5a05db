import { monitorEventLoopDelay, performance } from 'node:perf_hooks'
import { createParser, ms, number, object, text, type RulesOf } from '@highload/options'
import { HealthCheckFailedError, HealthInvalidOptionError } from '../errors.js'
import { checkName, checkRunRules, measurement } from '../options.js'
import type { HealthCheckOptions, HealthCheckRunOptions, HealthCheckSpec } from '../options.js'

/** Options of `eventLoopCheck()`. The check is never critical: a busy loop is not a reason to restart. */
export interface EventLoopCheckOptions extends Omit<HealthCheckOptions, 'critical' | 'dispose'> {
  /** @default 'eventloop' */
  name?: string
  /**
   * Fail (warn) when the 99th percentile event-loop delay since the previous run exceeds this.
   * @default 200
   */
  maxDelayMs?: number
  /**
   * Fail (warn) when event-loop utilisation since the previous run exceeds this fraction.
   * @default 0.95
   */
  maxUtilization?: number
  /**
   * Sampling resolution of the delay histogram.
   * @default 10
   */
  resolutionMs?: number
  /** @default 'system' */
  componentType?: string
  /** @default 'utilization' */
  measurement?: string
}

/** The options that are the factory's own or have its own defaults (the README's `eventLoopCheck()` table). */
export const eventLoopOwnRules = {
  name: checkName('eventloop'),
  maxDelayMs: ms({ default: 200, above: 0 }),
  maxUtilization: number({ default: 0.95, above: 0, max: 1 }),
  resolutionMs: ms({ default: 10, min: 1, integer: true }),
  componentType: text({ default: 'system' }),
  measurement: measurement('utilization')
} satisfies RulesOf<Omit<EventLoopCheckOptions, keyof HealthCheckRunOptions>>

const parseEventLoopOptions = createParser(
  object({ ...checkRunRules, ...eventLoopOwnRules } satisfies RulesOf<EventLoopCheckOptions>),
  HealthInvalidOptionError
)

const round = (value: number): number => Math.round(value * 100) / 100

/**
 * Event-loop delay (p99, max) and utilisation over each interval, reported as `eventloop:utilization`
 * in percent. Warn only: the check is forced non-critical.
 */
export function eventLoopCheck (options: EventLoopCheckOptions = {}): HealthCheckSpec {
  const { maxDelayMs, maxUtilization, resolutionMs, ...rest } = parseEventLoopOptions(options, 'eventLoopCheck')
  // sampling starts on the first run, so a spec that is never added holds no sampler
  let histogram: ReturnType<typeof monitorEventLoopDelay> | null = null
  let since = performance.eventLoopUtilization()

  return {
    ...rest,
    critical: false,
    check () {
      const now = performance.eventLoopUtilization()
      if (histogram === null) {
        // no window to judge yet: start sampling and pass
        histogram = monitorEventLoopDelay({ resolution: resolutionMs })
        histogram.enable()
        since = now
        return { observedValue: null, observedUnit: '%' }
      }
      const utilization = performance.eventLoopUtilization(now, since).utilization
      since = now
      const empty = histogram.count === 0
      const delayP99Ms = empty ? 0 : round(histogram.percentile(99) / 1e6)
      const delayMaxMs = empty ? 0 : round(histogram.max / 1e6)
      histogram.reset()
      if (delayP99Ms > maxDelayMs) {
        throw new HealthCheckFailedError(`event-loop delay p99 ${delayP99Ms} ms is above ${maxDelayMs} ms`)
      }
      if (utilization > maxUtilization) {
        throw new HealthCheckFailedError(`event-loop utilization ${round(utilization)} is above ${maxUtilization}`)
      }
      return {
        observedValue: round(utilization * 100),
        observedUnit: '%',
        details: { delayP99Ms, delayMaxMs }
      }
    },
    dispose () {
      histogram?.disable()
      histogram = null
    }
  }
}

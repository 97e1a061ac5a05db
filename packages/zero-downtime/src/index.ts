// A zero-downtime deploy test for CI: two instances of a server behind a readiness-aware proxy,
// constant load, a SIGTERM to one of them, every failed request counted. Wiring only.
export { runZeroDowntime, type ZeroDowntimeReport } from './run.js'
export type { ReadinessProxyOptions, Upstream, ZeroDowntimeOptions } from './options.js'
export { ReadinessProxy, type UpstreamStats } from './proxy.js'
export { freePort } from './instances.js'
export {
  codes,
  ZeroDowntimeInvalidOptionError,
  ZeroDowntimeNotReadyError,
  ZeroDowntimeUnknownUpstreamError
} from './errors.js'

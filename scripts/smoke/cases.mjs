// The one table of what the tarball smoke test needs to know about each Fastify plugin: the
// smallest valid options (JSON only: they are written into the generated ESM, CommonJS and
// TypeScript files, where TypeScript also checks them against the plugin's options type) and the
// instance decorator that registering must add. Which packages are plugins is discovered (a default
// export carrying fastify-plugin metadata); a discovered plugin without a row here fails the check.
// Libraries (no plugin default export) need no row: every named export is checked instead.
export const plugins = {
  '@highload/breaker': { options: { dependencies: {} }, decorator: 'breaker' },
  // No signal or crash handler: the smoke process keeps node's own.
  '@highload/shutdown': { options: { signals: [], crashEvents: [] }, decorator: 'shutdown' },
  '@highload/health': { options: {}, decorator: 'health' },
  '@highload/metrics': { options: {}, decorator: 'slo' },
  // No Redis: L1 only.
  '@highload/cache': { options: {}, decorator: 'cache' },
  // pg pools connect lazily: nothing listens on port 1, and no query runs during the smoke test.
  '@highload/replicas': { options: { primary: { connectionString: 'postgres://smoke@127.0.0.1:1/smoke' } }, decorator: 'db' }
}

export interface ServerConfig {
  port: number
  host: string
  logLevel: string
}

/** Reads the example server's settings from the environment, with defaults for local runs. */
export function readConfig (env: NodeJS.ProcessEnv): ServerConfig {
  const port = Number(env.PORT ?? 3000)
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`PORT must be an integer from 0 to 65535, got ${JSON.stringify(env.PORT)}`)
  }
  return {
    port,
    host: env.HOST ?? '127.0.0.1',
    logLevel: env.LOG_LEVEL ?? 'info'
  }
}

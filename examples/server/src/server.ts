import { buildApp } from './app.js'
import { readConfig } from './config.js'

// @highload/shutdown owns SIGTERM/SIGINT and the crash path: nothing else to wire here.
const config = readConfig(process.env)
const app = await buildApp({ config, fastify: { logger: { level: config.logLevel } } })
await app.listen({ port: config.port, host: config.host })

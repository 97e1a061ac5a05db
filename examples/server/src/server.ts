import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.js'
import { readConfig } from './config.js'
import { closeApp } from './lifecycle.js'

const config = readConfig(process.env)
const app = await buildApp({ fastify: { logger: { level: config.logLevel } } })

closeWithGrace({ delay: 10_000 }, closeApp(app))

await app.listen({ port: config.port, host: config.host })

import { Writable } from 'node:stream'

/** One pino line, parsed. */
export type LogLine = Record<string, unknown> & { level: number, msg?: string }

export interface LogCollector {
  /** A pino destination (`Fastify({ logger: { stream } })`) that keeps every line. */
  stream: Writable
  lines: LogLine[]
  /** The `msg` of every line so far. */
  messages: () => string[]
}

/** Collects a Fastify app's JSON log lines in memory, for assertions. */
export function logCollector (): LogCollector {
  const lines: LogLine[] = []
  const stream = new Writable({
    write (chunk: Buffer, _encoding, callback) {
      for (const text of chunk.toString().split('\n')) if (text !== '') lines.push(JSON.parse(text) as LogLine)
      callback()
    }
  })
  return { stream, lines, messages: () => lines.map((line) => String(line.msg)) }
}

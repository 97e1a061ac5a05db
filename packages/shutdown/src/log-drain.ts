import type { EventEmitter } from 'node:events'

/**
 * pino's default destination (sonic-boom, asynchronous) answers `flush(cb)` at once when its
 * `minLength` is 0, the default, even while a write is still in flight. `process.exit()` then
 * makes pino write the rest of its buffer synchronously, ahead of the write in flight
 * (pinojs/sonic-boom#101): the last lines of a shutdown come out of order, or the one in flight
 * is lost. So before the exit we also wait for the destination's `drain`.
 *
 * Neither the stream nor its "writing" flag is public API: this looks for both and does nothing
 * when they are not there (another logger, a transport, a sync destination).
 */
interface WritingStream extends EventEmitter { _writing?: unknown }

function destinationOf (log: object): WritingStream | null {
  for (let o: object | null = log; o !== null; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertySymbols(o)) {
      // Only sonic-boom sets `_writing`, and it is an EventEmitter: logDrained checks the flag before anything else.
      if (key.description === 'pino.stream') return (o as Record<symbol, WritingStream>)[key] as WritingStream
    }
  }
  return null
}

/** Resolves once the logger's destination has no write in flight; at once when it has none or is not sonic-boom. */
export function logDrained (log: object): Promise<void> {
  const stream = destinationOf(log)
  if (stream?._writing !== true) return Promise.resolve()
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off('drain', done)
      stream.off('error', done)
      resolve()
    }
    stream.once('drain', done)
    stream.once('error', done)
  })
}

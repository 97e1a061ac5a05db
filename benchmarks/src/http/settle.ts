// The settle step: puts every benchmark server into the V8 state a long-running server is in, so
// that a ratio measures the candidate's own work and not an accident of its start-up.
//
// Why it is needed. Node's `process.nextTick` builds each tick object with an object literal that
// has computed symbol keys. The feedback V8 keeps for those keys has no polymorphic state: it is
// monomorphic on the tick object's map, or megamorphic for good, and the megamorphic path defines
// each key in the runtime (Runtime_DefineKeyedOwnPropertyInLiteral, then JSObject::MigrateToMap).
// The tick object's maps are held only weakly, so V8 collects them after a couple of major GCs
// during which no tick object is alive; the next tick then brings a new map and the feedback goes
// megamorphic. Whether that has happened when a benchmark starts depends on start-up history, not
// on per-request work: a perf profile of bare Fastify built after one
// `await app.register(async () => {})` showed those runtime functions (about 1.5% of samples for
// the first alone), as did the full @highload/metrics plugin, where fresh bare Fastify showed none. Any server gets there after it has
// served requests and then seen major GCs with no tick queued (benchmarks/README.md, "Settling").
//
// So after the warm-up, while no load runs, the runner asks the server to settle: a few major GCs
// (with no tick object alive, the maps go), then one tick, so the feedback moves to its final
// state before the next warm-up and the measurement.

import { isMessage, waitForMessage, type ErrorMessage, type MessageSource } from '../lib/ipc.js'

/** Sent by the runner after the warm-up; the server answers with a `SettledMessage` (or an `ErrorMessage`). */
export interface SettleMessage { type: 'settle' }
export interface SettledMessage { type: 'settled' }

/** Node flags every benchmark server runs with: `--expose-gc` lets it run the major GCs. */
export const SERVER_EXEC_ARGV = ['--expose-gc']

/** How long the runner waits for a server to settle; a few hundred ms is usual. */
export const SETTLE_TIMEOUT_MS = 30_000

/** More than V8's `--retain-maps-for-n-gc` (2): maps unused for that many major GCs are dropped. */
const MAJOR_GCS = 4

const isSettleMessage = isMessage<SettleMessage>('settle')
const isSettled = isMessage<SettledMessage>('settled')

function nextTurn (): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve))
}

/**
 * Runs in the server: the settle step, answered as the IPC message to send back. A server started
 * without `--expose-gc` cannot settle, and says so instead of pretending it did.
 */
export async function settleReply (gc: (() => void) | undefined = globalThis.gc): Promise<SettledMessage | ErrorMessage> {
  if (gc === undefined) {
    return { type: 'error', message: `the server runs without --expose-gc, so it cannot settle (start it with ${SERVER_EXEC_ARGV.join(' ')}, or pass --unsettled)` }
  }
  // Let the sockets of the finished warm-up close, so no tick object from them is still queued.
  await new Promise((resolve) => setTimeout(resolve, 100))
  for (let i = 0; i < MAJOR_GCS; i++) {
    gc()
    await nextTurn()
  }
  await new Promise<void>((resolve) => process.nextTick(resolve))
  return { type: 'settled' }
}

/** The part of a process (or `ChildProcess`) that takes and sends IPC messages. */
export interface IpcPeer {
  on: (event: 'message', listener: (m: unknown) => void) => unknown
  send: (m: SettledMessage | ErrorMessage | SettleMessage) => unknown
}

/** Runs in the server: answers every settle request that arrives on `peer` (the process itself). */
export function answerSettleRequests (peer: IpcPeer): void {
  // settleReply never rejects: a server that cannot settle answers with an ErrorMessage.
  peer.on('message', async (m) => {
    if (isSettleMessage(m)) peer.send(await settleReply())
  })
}

/** Runs in the runner: asks the server to settle; rejects with its error or after `timeoutMs`. */
export async function requestSettle (child: MessageSource & Pick<IpcPeer, 'send'>, what: string, timeoutMs = SETTLE_TIMEOUT_MS): Promise<void> {
  const settled = waitForMessage(child, isSettled, timeoutMs, `${what} settle`)
  child.send({ type: 'settle' })
  await settled
}

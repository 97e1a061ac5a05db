// Child process entry: `node dist/http/serve.js <scenario> <baseline|candidate>`.
// Builds one side of a scenario, listens on 127.0.0.1 on a free port, reports the port over IPC
// (or prints it when run by hand), settles when asked, and exits on SIGTERM, SIGINT or when the
// parent goes away.
import type { AddressInfo } from 'node:net'
import { failChild } from '../lib/children.js'
import { loadHttpScenario } from '../lib/discover.js'
import { answerSettleRequests, type IpcPeer } from './settle.js'

export interface ListeningMessage { type: 'listening', port: number }

async function main (): Promise<void> {
  const [name, side] = process.argv.slice(2)
  if (name === undefined || (side !== 'baseline' && side !== 'candidate')) {
    throw new Error('usage: node dist/http/serve.js <scenario> <baseline|candidate>')
  }
  const scenario = await loadHttpScenario(name)
  const app = await scenario[side].build()
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo

  let closing = false
  const close = (): void => {
    if (closing) return
    closing = true
    app.close().then(() => process.exit(0), failChild)
  }
  process.once('SIGTERM', close)
  process.once('SIGINT', close)
  if (process.send !== undefined) {
    process.once('disconnect', close)
    answerSettleRequests(process as IpcPeer)
    process.send({ type: 'listening', port } satisfies ListeningMessage)
  } else {
    console.log(`${name} ${side} (${scenario[side].label}) listening on http://127.0.0.1:${port}`)
  }
}

main().catch(failChild)

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { once } from 'node:events'
import readline from 'node:readline'

const serverPath = fileURLToPath(new URL('../../dist/server.js', import.meta.url))

export interface LogLine { level: number, msg: string, [key: string]: unknown }

export interface RunningServer {
  child: ChildProcessWithoutNullStreams
  url: string
  logs: LogLine[]
  /** Resolves with the exit code (or the signal name) once the process is gone. */
  exited: Promise<number | string>
}

/**
 * Starts the built example server on a free port, exactly as `npm start` does, and resolves once
 * it logs that it listens. The child's JSON log lines are collected for assertions.
 */
export async function spawnServer (env: Record<string, string> = {}, timeoutMs = 20_000): Promise<RunningServer> {
  const child = spawn(process.execPath, [serverPath], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['pipe', 'pipe', 'pipe']
  })
  const exited = once(child, 'exit').then(([code, signal]) => (code ?? signal) as number | string)
  const logs: LogLine[] = []
  let stderr = ''
  child.stderr.on('data', (chunk: Buffer) => { stderr += chunk.toString() })

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not listen within ${timeoutMs} ms: ${stderr}`)), timeoutMs)
    readline.createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as LogLine
      logs.push(entry)
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(entry.msg)
      if (match?.[1] !== undefined) {
        clearTimeout(timer)
        resolve(match[1])
      }
    })
    exited.then((code) => {
      clearTimeout(timer)
      reject(new Error(`server exited (${code}) before listening: ${stderr}`))
    })
  })
  return { child, url, logs, exited }
}

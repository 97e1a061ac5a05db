import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import http from 'node:http'

const FIXTURE = fileURLToPath(new URL('./fixtures/server.ts', import.meta.url))

export type LogLine = Record<string, unknown> & { msg?: string, level?: number, fixture?: string, phase?: string }

export interface Child {
  process: ChildProcess
  lines: LogLine[]
  port: Promise<number>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null, at: number }>
  waitFor: (predicate: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>
  output: () => string
}

/** Starts test/fixtures/server.ts with the tap TypeScript loader; config goes through FIXTURE. */
export function startFixture (config: object): Child {
  const child = spawn(process.execPath, [...process.execArgv, FIXTURE], {
    env: { ...process.env, FIXTURE: JSON.stringify(config) },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  const lines: LogLine[] = []
  let raw = ''
  let buffer = ''
  const waiters = new Set<() => void>()
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    raw += chunk
    buffer += chunk
    let i
    while ((i = buffer.indexOf('\n')) !== -1) {
      const text = buffer.slice(0, i)
      buffer = buffer.slice(i + 1)
      try { lines.push(JSON.parse(text) as LogLine) } catch { lines.push({ msg: text }) }
    }
    for (const w of waiters) w()
  })
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { raw += chunk })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null, at: number }>((resolve) => {
    child.once('exit', (code, signal) => {
      resolve({ code, signal, at: performance.now() })
      for (const w of waiters) w()
    })
  })
  const waitFor = (predicate: (line: LogLine) => boolean, timeoutMs = 30_000): Promise<LogLine> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const found = lines.find(predicate)
        if (found !== undefined) {
          cleanup()
          resolve(found)
        } else if (child.exitCode !== null || child.signalCode !== null) {
          cleanup()
          reject(new Error(`child exited before the expected line; output:\n${raw}`))
        }
      }
      const timer = setTimeout(() => { cleanup(); reject(new Error(`timed out waiting; output:\n${raw}`)) }, timeoutMs)
      const cleanup = (): void => { clearTimeout(timer); waiters.delete(check) }
      waiters.add(check)
      check()
    })
  const port = waitFor((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening at'))
    .then((l) => Number(/:(\d+)$/.exec(String(l.msg))?.[1]))
  port.catch(() => {}) // tests that never listen do not await it
  return { process: child, lines, port, exited, waitFor, output: () => raw }
}

export interface Response {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

export function get (port: number, path: string, agent?: http.Agent): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, agent: agent ?? false }, (res) => {
      let body = ''
      res.setEncoding('utf8').on('data', (c: string) => { body += c }).on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      })
    })
    req.on('error', reject)
  })
}

import { spawn, type ChildProcess } from 'node:child_process'
import http from 'node:http'
import net from 'node:net'
import { fileURLToPath } from 'node:url'
import { ZeroDowntimeNotReadyError } from './errors.js'

export interface InstanceOptions {
  name: string
  entry: string | URL
  execArgv: string[]
  env: Record<string, string>
  host: string
  readinessPath: string
  startTimeoutMs: number
}

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
  /** performance.now() at exit */
  at: number
}

export interface Instance {
  name: string
  port: number
  child: ChildProcess
  exited: Promise<Exit>
  output: () => string
}

/** A free loopback port (released before use: a tiny race that is fine on a test box). */
export function freePort (host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer()
    server.once('error', reject)
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo
      server.close(() => resolve(port))
    })
  })
}

function ready (host: string, port: number, path: string): Promise<boolean> {
  return new Promise((resolve) => {
    http.get({ host, port, path, agent: false }, (res) => {
      res.resume()
      resolve(res.statusCode === 200)
    }).on('error', () => resolve(false))
  })
}

/** Spawns `node [...execArgv] entry` with PORT and HOST set and waits until it is ready. */
export async function startInstance (o: InstanceOptions): Promise<Instance> {
  const port = await freePort(o.host)
  const entry = typeof o.entry === 'string' ? o.entry : fileURLToPath(o.entry)
  const child = spawn(process.execPath, [...o.execArgv, entry], {
    env: { ...process.env, ...o.env, PORT: String(port), HOST: o.host },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => { output += c })
  child.stderr.setEncoding('utf8').on('data', (c: string) => { output += c })
  const exited = new Promise<Exit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: performance.now() }))
  })
  const deadline = performance.now() + o.startTimeoutMs
  while (!(await ready(o.host, port, o.readinessPath))) {
    if (child.exitCode !== null || performance.now() > deadline) {
      child.kill('SIGKILL')
      throw new ZeroDowntimeNotReadyError(o.name, `${o.host}:${port}${o.readinessPath}`, output)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return { name: o.name, port, child, exited, output: () => output }
}

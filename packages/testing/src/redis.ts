import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { findRedisBinaries } from './binaries.js'
import { TestingError, codes, ignore } from './errors.js'
import { assertCount, externalServerError, hostPort, startAll } from './external.js'
import { HOST, freePort, onFreshPort } from './ports.js'
import { track } from './reaper-client.js'
import { readTail } from './run.js'
import { signalTree } from './procs.js'
import { hasExited, terminate, waitFor } from './wait.js'

/** Bound on a server start (spawn until it answers). Generous: the machines running tests are loaded. */
export const START_TIMEOUT_MS = 30_000

/** A throwaway (or reused) Redis server. */
export interface RedisServer {
  readonly host: string
  readonly port: number
  /** `redis://127.0.0.1:PORT`, or REDIS_URL as given when reused. */
  readonly url: string
  /** True when this handle points at the server from REDIS_URL; fault helpers then throw. */
  readonly external: boolean
  /** pid of the running redis-server; undefined when killed, closed or external. */
  readonly pid: number | undefined
  /** The server's temp directory (working dir and log); undefined when external. */
  readonly dir: string | undefined
  /** SIGKILL the server; afterwards connections are refused. */
  kill(): Promise<void>
  /** Start it again on the same port, with empty data; resolves when it answers. */
  restart(): Promise<void>
  /** SIGSTOP: the server stops answering but keeps its connections; resumes by itself after `ms` if given. */
  pause(ms?: number): Promise<void>
  /** SIGCONT after pause(). */
  resume(): Promise<void>
  /** Stop the server and remove its temp dir; idempotent. */
  close(): Promise<void>
}

/** Sends one command over a fresh connection that gives up after `timeoutMs`; used to probe servers. */
export async function redisCommand (port: number, args: [string, ...string[]], timeoutMs = 2000): Promise<string> {
  const client = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    enableReadyCheck: false,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    disableClientInfo: true
  })
  client.on('error', ignore)
  try {
    await client.connect()
    return String(await client.call(...args))
  } finally {
    client.disconnect()
  }
}

class LocalRedis implements RedisServer {
  readonly host = HOST
  readonly external = false
  readonly dir: string
  readonly #bin: string
  readonly #cluster: boolean
  readonly #releaseDir: () => void
  #port = 0
  #busPort = 0
  #child: ChildProcess | undefined
  #pauseTimer: NodeJS.Timeout | undefined
  #closing: Promise<void> | undefined

  constructor (bin: string, cluster: boolean) {
    this.#bin = bin
    this.#cluster = cluster
    this.dir = mkdtempSync(join(tmpdir(), 'hl-redis-'))
    this.#releaseDir = track({ kind: 'dir', path: this.dir })
  }

  get port (): number { return this.#port }
  get url (): string { return `redis://${HOST}:${this.#port}` }
  get pid (): number | undefined { return this.#child?.pid }

  #args (): string[] {
    const args = [
      '--port', String(this.#port), '--bind', HOST, '--save', '', '--appendonly', 'no',
      '--dir', this.dir, '--logfile', join(this.dir, 'redis.log'), '--daemonize', 'no'
    ]
    if (this.#cluster) {
      args.push('--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf',
        '--cluster-node-timeout', '3000', '--cluster-port', String(this.#busPort))
    }
    return args
  }

  /** First start: on `port` (and, in cluster mode, a fresh cluster bus port). */
  async startAt (port: number): Promise<void> {
    this.#port = port
    if (this.#cluster) this.#busPort = await freePort()
    await this.#spawn()
  }

  async #spawn (): Promise<void> {
    const child = spawn(this.#bin, this.#args(), { cwd: this.dir, stdio: 'ignore' })
    child.once('exit', track({ kind: 'proc', pid: child.pid as number, tree: false }))
    child.unref()
    this.#child = child
    const port = this.#port
    const what = `redis-server on ${HOST}:${port} to answer`
    try {
      await waitFor(what, START_TIMEOUT_MS, async () => {
        // The pid check makes sure we talk to OUR server, not another one that took the port.
        const info = await redisCommand(port, ['INFO', 'server'])
        return info.includes(`process_id:${child.pid}\r\n`)
      }, {
        failFast: () => hasExited(child)
          ? new TestingError(codes.START_FAILED, `redis-server on port ${port} exited before answering: ${readTail(join(this.dir, 'redis.log'))}`)
          : undefined
      })
    } catch (err) {
      await this.#stopProcess()
      throw err
    }
  }

  async #stopProcess (): Promise<void> {
    clearTimeout(this.#pauseTimer)
    const child = this.#child
    this.#child = undefined
    if (child) await terminate(child, { signal: 'SIGKILL', tree: false, graceMs: 10_000 })
  }

  #assertOpen (action: string): void {
    if (this.#closing) throw new TestingError(codes.NOT_RUNNING, `cannot ${action}(): redis ${this.url} is closed`)
  }

  #runningPid (action: string): number {
    this.#assertOpen(action)
    const pid = this.pid
    if (pid === undefined) throw new TestingError(codes.NOT_RUNNING, `cannot ${action}(): redis ${this.url} is not running (killed)`)
    return pid
  }

  async kill (): Promise<void> {
    this.#assertOpen('kill')
    await this.#stopProcess()
  }

  async restart (): Promise<void> {
    this.#assertOpen('restart')
    await this.#stopProcess()
    await this.#spawn()
  }

  async pause (ms?: number): Promise<void> {
    const pid = this.#runningPid('pause')
    clearTimeout(this.#pauseTimer)
    signalTree(pid, 'SIGSTOP', false)
    if (ms !== undefined) {
      this.#pauseTimer = setTimeout(() => signalTree(pid, 'SIGCONT', false), ms).unref()
    }
  }

  async resume (): Promise<void> {
    const pid = this.#runningPid('resume')
    clearTimeout(this.#pauseTimer)
    signalTree(pid, 'SIGCONT', false)
  }

  close (): Promise<void> {
    this.#closing ??= (async () => {
      await this.#stopProcess()
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 5 })
      this.#releaseDir()
    })()
    return this.#closing
  }
}

class ExternalRedis implements RedisServer {
  readonly external = true
  readonly pid = undefined
  readonly dir = undefined
  readonly host: string
  readonly port: number
  readonly url: string

  constructor (url: string) {
    this.url = url
    const { host, port } = hostPort(url, 6379)
    this.host = host
    this.port = port
  }

  kill (): Promise<void> { return Promise.reject(externalServerError('kill', 'REDIS_URL')) }
  restart (): Promise<void> { return Promise.reject(externalServerError('restart', 'REDIS_URL')) }
  pause (): Promise<void> { return Promise.reject(externalServerError('pause', 'REDIS_URL')) }
  resume (): Promise<void> { return Promise.reject(externalServerError('resume', 'REDIS_URL')) }
  /** Leaves the external server alone. */
  close (): Promise<void> { return Promise.resolve() }
}

export async function startLocalRedis (bin: string, cluster: boolean): Promise<RedisServer> {
  const server = new LocalRedis(bin, cluster)
  try {
    await onFreshPort((port) => server.startAt(port))
  } catch (err) {
    await server.close()
    throw err
  }
  return server
}

export interface StartRedisOptions {
  /**
   * Return a handle for the server in `REDIS_URL` when that variable is set, instead of starting one.
   * Pass false when the test injects faults (kill, restart, pause).
   * @default true
   */
  reuseExternal?: boolean
}

/** Starts a throwaway Redis on a free loopback port (or reuses REDIS_URL, see `reuseExternal`). */
export async function startRedis (opts: StartRedisOptions = {}): Promise<RedisServer> {
  const url = process.env.REDIS_URL
  if (opts.reuseExternal !== false && url) return new ExternalRedis(url)
  return startLocalRedis(findRedisBinaries(false).redisServer, false)
}

/** Starts `n` independent throwaway Redis servers (never reuses REDIS_URL). */
export async function startRedisServers (n: number): Promise<RedisServer[]> {
  assertCount('n', n, 1)
  const bin = findRedisBinaries(false).redisServer
  return startAll(n, () => startLocalRedis(bin, false))
}

import { spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { appendFileSync, chownSync, closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findPgBinaries, pgOsUser } from './binaries.js'
import type { OsUser, PgBinaries } from './binaries.js'
import { TestingError, codes } from './errors.js'
import { assertCount, externalServerError, hostPort } from './external.js'
import { pgQuery, quoteIdent } from './pg-query.js'
import { HOST, onFreshPort } from './ports.js'
import { track } from './reaper-client.js'
import { START_TIMEOUT_MS } from './redis.js'
import { cleanPgEnv, readTail, run } from './run.js'
import { signalTree } from './procs.js'
import { hasExited, terminate, waitExit, waitFor } from './wait.js'

/** Bound on initdb / pg_basebackup, and on a node's shutdown. */
const SETUP_TIMEOUT_MS = 120_000
const STOP_TIMEOUT_MS = 30_000

/** Settings shared by every node (replicas inherit the primary's postgresql.conf through pg_basebackup). */
const CONF = `
# @highload/testing: a throwaway server, fast rather than durable
listen_addresses = '${HOST}'
fsync = off
full_page_writes = off
wal_level = replica
max_wal_senders = 10
# keep enough WAL that a replica stopped by a fault test (or a slow base backup) can catch up
wal_keep_size = 256MB
hot_standby = on
shared_buffers = 32MB
# notice a vanished peer and reconnect quickly after a node restarts
wal_sender_timeout = 5s
wal_retrieve_retry_interval = 200ms
wal_receiver_status_interval = 1s
`

const HBA = `# @highload/testing: loopback only, no passwords
local all all trust
local replication all trust
host all all ${HOST}/32 trust
host replication all ${HOST}/32 trust
`

/** One PostgreSQL server of a cluster. */
export interface PgNode {
  /** 'primary', 'replica1', 'replica2', ... */
  readonly name: string
  readonly role: 'primary' | 'replica'
  readonly host: string
  readonly port: number
  /** `postgresql://postgres@127.0.0.1:PORT/<database>` (DATABASE_URL as given when reused). */
  readonly connectionString: string
  /** pid of the running postmaster; undefined when stopped, closed or external. */
  readonly pid: number | undefined
  /** The node's data directory; undefined when external. */
  readonly dataDir: string | undefined
}

/** A throwaway primary with streaming replicas (or the server from DATABASE_URL). */
export interface PostgresCluster {
  readonly primary: PgNode
  readonly replicas: PgNode[]
  /** The primary, then the replicas. */
  readonly nodes: PgNode[]
  /** True when reusing DATABASE_URL: `replicas` is empty and every fault helper throws. */
  readonly external: boolean
  /** The temp directory holding every node's data dir, socket and log; undefined when external. */
  readonly dir: string | undefined
  /** Shut a node down ('fast': SIGINT, clean; 'immediate': SIGQUIT, crash-like). @default 'fast' */
  stop(node: PgNode, mode?: 'fast' | 'immediate'): Promise<void>
  /** Start a stopped node on the same port; resolves when it accepts connections. */
  start(node: PgNode): Promise<void>
  /** SIGSTOP the postmaster and all its children: a hung server. Resumes by itself after `ms` if given. */
  pause(node: PgNode, ms?: number): Promise<void>
  resume(node: PgNode): Promise<void>
  /** `pg_wal_replay_pause()` on a replica: it keeps receiving WAL but applies none of it. */
  pauseReplay(replica: PgNode): Promise<void>
  resumeReplay(replica: PgNode): Promise<void>
  /** Resolves once the replica has replayed the primary's current WAL position (captured at call time). @default timeoutMs 15000 */
  waitForCatchUp(replica: PgNode, opts?: { timeoutMs?: number }): Promise<void>
  /** How far behind the replica is: WAL bytes not yet replayed, and seconds since the last replayed transaction (0 when caught up). */
  lag(replica: PgNode): Promise<{ bytes: number, seconds: number }>
  /** Stop every node (immediate) and remove the temp dir; idempotent. */
  close(): Promise<void>
}

interface Context { bins: PgBinaries, user: OsUser | undefined, root: string, database: string, env: NodeJS.ProcessEnv }

class LocalPgNode implements PgNode {
  readonly host = HOST
  readonly name: string
  readonly role: 'primary' | 'replica'
  readonly dataDir: string
  readonly release: () => void
  readonly #ctx: Context
  #port = 0
  #child: ChildProcess | undefined
  #pauseTimer: NodeJS.Timeout | undefined

  constructor (ctx: Context, name: string, role: 'primary' | 'replica') {
    this.#ctx = ctx
    this.name = name
    this.role = role
    this.dataDir = join(ctx.root, name)
    // Registered before the postmaster exists: the reaper finds it through postmaster.pid.
    this.release = track({ kind: 'pgdata', dir: this.dataDir })
  }

  get port (): number { return this.#port }
  get pid (): number | undefined { return this.#child?.pid }
  get connectionString (): string { return `postgresql://postgres@${HOST}:${this.#port}/${encodeURIComponent(this.#ctx.database)}` }

  query<T> (sql: string, params?: unknown[], database = 'postgres'): Promise<T[]> {
    return pgQuery<T>(this.#port, database, sql, params)
  }

  async startAt (port: number): Promise<void> {
    this.#port = port
    await this.start()
  }

  async start (): Promise<void> {
    if (this.#child) return
    const { bins, user, root, env } = this.#ctx
    const log = join(root, `${this.name}.log`)
    const logFd = openSync(log, 'a')
    // detached: its own session, so a Ctrl-C aimed at the test run does not reach it half-way.
    const child = spawn(bins.postgres, ['-D', this.dataDir, '-p', String(this.#port), '-k', root], {
      cwd: root, env, uid: user?.uid, gid: user?.gid, detached: true, stdio: ['ignore', logFd, logFd]
    })
    closeSync(logFd)
    child.once('exit', track({ kind: 'proc', pid: child.pid as number, tree: true }))
    child.unref()
    this.#child = child
    try {
      // Checking data_directory makes sure we talk to OUR server, not another one that took the port.
      await waitFor(`postgres ${this.name} on ${HOST}:${this.#port} to accept connections`, START_TIMEOUT_MS, async () => {
        const rows = await this.query<{ ok: boolean }>("SELECT current_setting('data_directory') = $1 AS ok", [this.dataDir])
        return rows[0]?.ok === true
      }, {
        failFast: () => hasExited(child)
          ? new TestingError(codes.START_FAILED, `postgres ${this.name} on port ${this.#port} exited before accepting connections: ${readTail(log)}`)
          : undefined
      })
    } catch (err) {
      await this.kill()
      throw err
    }
  }

  runningPid (action: string): number {
    const pid = this.pid
    if (pid === undefined) throw new TestingError(codes.NOT_RUNNING, `cannot ${action}(): postgres ${this.name} is not running`)
    return pid
  }

  async stop (sig: 'SIGINT' | 'SIGQUIT'): Promise<void> {
    const child = this.#child
    if (!child) return
    clearTimeout(this.#pauseTimer)
    signalTree(child.pid as number, 'SIGCONT', true)
    signalTree(child.pid as number, sig, false)
    await waitExit(child, `postgres ${this.name}`, STOP_TIMEOUT_MS)
    this.#child = undefined
  }

  /** Immediate shutdown of the postmaster and its children, SIGKILL if that hangs. */
  async kill (): Promise<void> {
    clearTimeout(this.#pauseTimer)
    const child = this.#child
    this.#child = undefined
    if (child) await terminate(child, { signal: 'SIGQUIT', tree: true, graceMs: 10_000 })
  }

  pause (ms: number | undefined): void {
    const pid = this.runningPid('pause')
    clearTimeout(this.#pauseTimer)
    signalTree(pid, 'SIGSTOP', true)
    if (ms !== undefined) this.#pauseTimer = setTimeout(() => signalTree(pid, 'SIGCONT', true), ms).unref()
  }

  resume (): void {
    const pid = this.runningPid('resume')
    clearTimeout(this.#pauseTimer)
    signalTree(pid, 'SIGCONT', true)
  }
}

class LocalPgCluster implements PostgresCluster {
  readonly external = false
  readonly dir: string
  readonly primary: LocalPgNode
  readonly replicas: LocalPgNode[]
  readonly nodes: LocalPgNode[]
  readonly #ctx: Context
  readonly #releaseDir: () => void
  #closing: Promise<void> | undefined

  constructor (bins: PgBinaries, user: OsUser | undefined, database: string, replicas: number) {
    this.dir = mkdtempSync(join(tmpdir(), 'hl-pg-'))
    this.#releaseDir = track({ kind: 'dir', path: this.dir })
    if (user) chownSync(this.dir, user.uid, user.gid)
    this.#ctx = { bins, user, root: this.dir, database, env: cleanPgEnv() }
    this.primary = new LocalPgNode(this.#ctx, 'primary', 'primary')
    this.replicas = Array.from({ length: replicas }, (_, i) => new LocalPgNode(this.#ctx, `replica${i + 1}`, 'replica'))
    this.nodes = [this.primary, ...this.replicas]
  }

  #run (file: string, args: string[], what: string): Promise<string> {
    const { root, env, user } = this.#ctx
    return run(file, args, { what, timeoutMs: SETUP_TIMEOUT_MS, cwd: root, env, user })
  }

  async init (): Promise<void> {
    const { bins, database } = this.#ctx
    const primary = this.primary
    await this.#run(bins.initdb, ['-D', primary.dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C', '-N'], 'initdb')
    appendFileSync(join(primary.dataDir, 'postgresql.conf'), CONF)
    writeFileSync(join(primary.dataDir, 'pg_hba.conf'), HBA)
    await onFreshPort((port) => primary.startAt(port))
    if (database !== 'postgres') await primary.query(`CREATE DATABASE ${quoteIdent(database)}`)
    await Promise.all(this.replicas.map(async (replica) => {
      await this.#run(bins.pgBasebackup, [
        '-h', HOST, '-p', String(primary.port), '-U', 'postgres', '-w',
        '-D', replica.dataDir, '-R', '-X', 'stream', '-c', 'fast', '-N'
      ], `pg_basebackup for ${replica.name}`)
      await onFreshPort((port) => replica.startAt(port))
    }))
  }

  #node (node: PgNode, action: string): LocalPgNode {
    if (this.#closing) throw new TestingError(codes.NOT_RUNNING, `cannot ${action}(): the PostgreSQL cluster is closed`)
    const own = this.nodes.find((n) => n === node)
    if (!own) throw new TestingError(codes.INVALID_ARGUMENT, `${action}() got a node that does not belong to this cluster`)
    return own
  }

  #replica (node: PgNode, action: string): LocalPgNode {
    const own = this.#node(node, action)
    if (own.role !== 'replica') throw new TestingError(codes.INVALID_ARGUMENT, `${action}() needs a replica, got ${own.name}`)
    return own
  }

  async stop (node: PgNode, mode: 'fast' | 'immediate' = 'fast'): Promise<void> {
    await this.#node(node, 'stop').stop(mode === 'immediate' ? 'SIGQUIT' : 'SIGINT')
  }

  async start (node: PgNode): Promise<void> {
    await this.#node(node, 'start').start()
  }

  async pause (node: PgNode, ms?: number): Promise<void> {
    this.#node(node, 'pause').pause(ms)
  }

  async resume (node: PgNode): Promise<void> {
    this.#node(node, 'resume').resume()
  }

  async pauseReplay (replica: PgNode): Promise<void> {
    await this.#replica(replica, 'pauseReplay').query('SELECT pg_wal_replay_pause()')
  }

  async resumeReplay (replica: PgNode): Promise<void> {
    await this.#replica(replica, 'resumeReplay').query('SELECT pg_wal_replay_resume()')
  }

  async waitForCatchUp (replica: PgNode, opts: { timeoutMs?: number } = {}): Promise<void> {
    const own = this.#replica(replica, 'waitForCatchUp')
    const [target] = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
    const lsn = (target as { lsn: string }).lsn
    await waitFor(`${own.name} to replay the primary's WAL up to ${lsn}`, opts.timeoutMs ?? 15_000, async () => {
      const rows = await own.query<{ ok: boolean }>('SELECT pg_last_wal_replay_lsn() >= $1::pg_lsn AS ok', [lsn])
      return rows[0]?.ok === true
    })
  }

  async lag (replica: PgNode): Promise<{ bytes: number, seconds: number }> {
    const own = this.#replica(replica, 'lag')
    const [r] = await own.query<{ lsn: string, seconds: number }>(
      'SELECT pg_last_wal_replay_lsn()::text AS lsn, COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0)::float8 AS seconds')
    const { lsn, seconds } = r as { lsn: string, seconds: number }
    const [p] = await this.primary.query<{ bytes: number }>('SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), $1::pg_lsn)::float8 AS bytes', [lsn])
    const bytes = Math.max(0, (p as { bytes: number }).bytes)
    return { bytes, seconds: bytes === 0 ? 0 : Math.max(0, seconds) }
  }

  close (): Promise<void> {
    this.#closing ??= (async () => {
      await Promise.all(this.nodes.map((n) => n.kill()))
      rmSync(this.dir, { recursive: true, force: true, maxRetries: 5 })
      for (const n of this.nodes) n.release()
      this.#releaseDir()
    })()
    return this.#closing
  }
}

class ExternalPgCluster implements PostgresCluster {
  readonly external = true
  readonly dir = undefined
  readonly primary: PgNode
  readonly replicas: PgNode[] = []
  readonly nodes: PgNode[]

  constructor (url: string) {
    const { host, port } = hostPort(url, 5432)
    this.primary = { name: 'primary', role: 'primary', host, port, connectionString: url, pid: undefined, dataDir: undefined }
    this.nodes = [this.primary]
  }

  stop (): Promise<void> { return Promise.reject(externalServerError('stop', 'DATABASE_URL')) }
  start (): Promise<void> { return Promise.reject(externalServerError('start', 'DATABASE_URL')) }
  pause (): Promise<void> { return Promise.reject(externalServerError('pause', 'DATABASE_URL')) }
  resume (): Promise<void> { return Promise.reject(externalServerError('resume', 'DATABASE_URL')) }
  pauseReplay (): Promise<void> { return Promise.reject(externalServerError('pauseReplay', 'DATABASE_URL')) }
  resumeReplay (): Promise<void> { return Promise.reject(externalServerError('resumeReplay', 'DATABASE_URL')) }
  waitForCatchUp (): Promise<void> { return Promise.reject(externalServerError('waitForCatchUp', 'DATABASE_URL')) }
  lag (): Promise<{ bytes: number, seconds: number }> { return Promise.reject(externalServerError('lag', 'DATABASE_URL')) }
  /** Leaves the external server alone. */
  close (): Promise<void> { return Promise.resolve() }
}

export interface StartPostgresOptions {
  /**
   * Number of streaming replicas (pg_basebackup -R) next to the primary.
   * @default 1
   */
  replicas?: number
  /**
   * Database created on the primary (and so present on every replica); connection strings point at it.
   * @default 'test'
   */
  database?: string
  /**
   * Return a handle for the server in `DATABASE_URL` when that variable is set, instead of starting
   * a cluster (no replicas then). Pass false when the test injects faults or needs replicas.
   * @default true
   */
  reuseExternal?: boolean
}

/** Starts a throwaway PostgreSQL primary plus `replicas` streaming replicas on free loopback ports. */
export async function startPostgres (opts: StartPostgresOptions = {}): Promise<PostgresCluster> {
  const url = process.env.DATABASE_URL
  if (opts.reuseExternal !== false && url) return new ExternalPgCluster(url)
  const replicas = opts.replicas ?? 1
  assertCount('replicas', replicas, 0)
  const database = opts.database ?? 'test'
  if (database === '') throw new TestingError(codes.INVALID_ARGUMENT, 'database must be a non-empty name')
  const bins = findPgBinaries()
  const user = pgOsUser()
  const cluster = new LocalPgCluster(bins, user, database, replicas)
  try {
    await cluster.init()
  } catch (err) {
    await cluster.close()
    throw err
  }
  return cluster
}

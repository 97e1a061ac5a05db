import { accessSync, constants, readdirSync, realpathSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { spawnSync } from 'node:child_process'
import { TestingError, codes } from './errors.js'

/** Where PostgreSQL versions live on Debian/Ubuntu (`<root>/<version>/bin`); `HL_TESTING_PG_ROOT` overrides it. */
export const DEFAULT_PG_ROOT = '/usr/lib/postgresql'

const PG_TOOLS = ['initdb', 'postgres', 'pg_basebackup'] as const

function isExecutable (file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}

/** First executable `name` in the directories of a PATH-style list, or undefined. */
export function findOnPath (name: string, pathList: string): string | undefined {
  return pathList.split(':').filter(Boolean).map((dir) => join(dir, name)).find(isExecutable)
}

export interface RedisBinaries { redisServer: string, redisCli?: string }

/** Resolves redis-server (and redis-cli when `cli` is true) from `env.PATH`, or throws one clear line. */
export function findRedisBinaries (cli: boolean, env: NodeJS.ProcessEnv = process.env): RedisBinaries {
  const path = env.PATH ?? ''
  const redisServer = findOnPath('redis-server', path)
  if (!redisServer) {
    throw new TestingError(codes.MISSING_BINARY, 'redis-server not found on PATH: install Redis (Debian: apt-get install redis-server)')
  }
  if (!cli) return { redisServer }
  const redisCli = findOnPath('redis-cli', path)
  if (!redisCli) {
    throw new TestingError(codes.MISSING_BINARY, 'redis-cli not found on PATH: install the Redis command line tools (Debian: apt-get install redis-tools)')
  }
  return { redisServer, redisCli }
}

export interface PgBinaries { binDir: string, initdb: string, postgres: string, pgBasebackup: string }

function versionDirs (root: string): string[] {
  let entries: string[]
  try {
    entries = readdirSync(root)
  } catch {
    return []
  }
  return entries
    .sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a))
    .map((version) => join(root, version, 'bin'))
}

/**
 * Picks ONE directory holding initdb, postgres and pg_basebackup, so the tools never mix versions:
 * the directory initdb on PATH really lives in (following symlinks), then `<pg root>/<version>/bin`,
 * highest version first.
 */
export function findPgBinaries (env: NodeJS.ProcessEnv = process.env): PgBinaries {
  const root = env.HL_TESTING_PG_ROOT ?? DEFAULT_PG_ROOT
  const onPath = findOnPath('initdb', env.PATH ?? '')
  const candidates = onPath ? [dirname(realpathSync(onPath)), ...versionDirs(root)] : versionDirs(root)
  const binDir = candidates.find((dir) => PG_TOOLS.every((tool) => isExecutable(join(dir, tool))))
  if (!binDir) {
    throw new TestingError(codes.MISSING_BINARY, `PostgreSQL server binaries (${PG_TOOLS.join(', ')}) not found on PATH or under ${root}/*/bin: install PostgreSQL (Debian: apt-get install postgresql)`)
  }
  return { binDir, initdb: join(binDir, 'initdb'), postgres: join(binDir, 'postgres'), pgBasebackup: join(binDir, 'pg_basebackup') }
}

export interface OsUser { uid: number, gid: number }

/**
 * PostgreSQL refuses to run as root: when we are root, its processes run as this OS user
 * (`HL_TESTING_PG_USER`, default `postgres`). Undefined when no switch is needed.
 */
export function pgOsUser (env: NodeJS.ProcessEnv = process.env): OsUser | undefined {
  /* c8 ignore next -- the test machines run as root; as any other user no switch is needed */
  if (process.getuid?.() !== 0) return undefined
  const name = env.HL_TESTING_PG_USER ?? 'postgres'
  const out = spawnSync('id', [name], { encoding: 'utf8' }).stdout
  const match = /uid=(\d+)\S* gid=(\d+)/.exec(String(out))
  if (!match) {
    throw new TestingError(codes.MISSING_USER, `running as root, but PostgreSQL refuses root and the OS user '${name}' to run it as does not exist: install PostgreSQL (Debian: apt-get install postgresql creates it) or set HL_TESTING_PG_USER`)
  }
  return { uid: Number(match[1]), gid: Number(match[2]) }
}

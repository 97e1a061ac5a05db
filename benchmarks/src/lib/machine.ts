import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import os from 'node:os'
import { pinning, type Pinning } from './affinity.js'
import { packageRoot } from './paths.js'

export interface MachineInfo {
  date: string
  node: string
  v8: string
  platform: string
  arch: string
  cpuModel: string
  cores: number
  totalMemGiB: number
  /** 1, 5 and 15 minute load averages when the run started: how busy the machine was. */
  loadAvgStart: number[]
  /** HEAD commit of the repository, plus "-dirty" when the tree has changes. */
  gitCommit: string | null
  /** Installed versions of this package's devDependencies (the code under test). */
  packages: Record<string, string>
  /** CPUs given to servers and to the load generator (taskset), or null when not pinned. */
  pinning: Pinning | null
}

function git (args: string[]): string {
  return execFileSync('git', args, { cwd: packageRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
}

function gitCommit (): string | null {
  try {
    const head = git(['rev-parse', '--short', 'HEAD'])
    const dirty = git(['status', '--porcelain', '--', '.']) !== ''
    return dirty ? `${head}-dirty` : head
  } catch {
    return null
  }
}

export function installedVersion (name: string): string | null {
  try {
    const pkg = JSON.parse(readFileSync(join(packageRoot, 'node_modules', name, 'package.json'), 'utf8')) as { version?: string }
    return pkg.version ?? null
  } catch {
    return null
  }
}

function packageVersions (): Record<string, string> {
  const own = JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> }
  const out: Record<string, string> = {}
  for (const name of Object.keys(own.devDependencies ?? {}).sort()) {
    if (name.startsWith('@types/')) continue
    const version = installedVersion(name)
    if (version !== null) out[name] = version
  }
  return out
}

/** What every report (HTTP or micro) starts with: what ran, where, and how long it took. */
export interface ReportHeader {
  name: string
  description: string
  machine: MachineInfo
  loadAvgEnd: number[]
  wallTimeSec: number
}

export function loadAvg (): number[] {
  return os.loadavg().map((l) => Math.round(l * 100) / 100)
}

export function machineInfo (): MachineInfo {
  const cpus = os.cpus()
  return {
    date: new Date().toISOString(),
    node: process.version,
    v8: process.versions.v8,
    platform: process.platform,
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cores: os.availableParallelism(),
    totalMemGiB: Math.round(os.totalmem() / 2 ** 30 * 10) / 10,
    loadAvgStart: loadAvg(),
    gitCommit: gitCommit(),
    packages: packageVersions(),
    pinning
  }
}

import { execFile } from 'node:child_process'
import { accessSync, constants, statSync } from 'node:fs'
import { findOnPath } from './binaries.js'
import { TestingError, codes } from './errors.js'

/** How to get promtool, in the one line a missing-binary error carries. */
const INSTALL = 'install Prometheus (Debian: apt-get install prometheus, or run scripts/ensure-promtool.sh as root) or set HL_TESTING_PROMTOOL'

function isExecutableFile (file: string): boolean {
  try {
    accessSync(file, constants.X_OK)
    return statSync(file).isFile()
  } catch {
    return false
  }
}

/**
 * Absolute path of Prometheus's `promtool`: `HL_TESTING_PROMTOOL` when set (for example a
 * Prometheus 3 build, to run the same tests against it), else the first one on `PATH`. Throws
 * `HL_TESTING_MISSING_BINARY` when there is none, so a test that needs it fails instead of skipping.
 */
export function promtoolPath (env: NodeJS.ProcessEnv = process.env): string {
  const given = env.HL_TESTING_PROMTOOL
  if (given !== undefined && given !== '') {
    if (!isExecutableFile(given)) throw new TestingError(codes.MISSING_BINARY, `HL_TESTING_PROMTOOL=${given} is not an executable file: ${INSTALL}`)
    return given
  }
  const found = findOnPath('promtool', env.PATH ?? '')
  if (found === undefined) throw new TestingError(codes.MISSING_BINARY, `promtool not found on PATH: ${INSTALL}`)
  return found
}

export interface PromtoolOptions {
  /** Written to promtool's standard input (`check metrics` reads the exposition there). @default nothing */
  input?: string
  /** Working directory (`test rules` resolves `rule_files` from the test file's directory). @default the process's */
  cwd?: string
  /** Killed (SIGKILL) past this many ms, and the promise rejects with `HL_TESTING_TIMEOUT`. @default 30000 */
  timeoutMs?: number
  /** Passed to `promtoolPath()`. @default process.env */
  env?: NodeJS.ProcessEnv
}

export interface PromtoolResult {
  /** Exit status: 0 when every check or test passed. */
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs `promtool <args>` and resolves with its exit status and output. A non-zero exit resolves
 * too, since that is how `check` and `test` report findings: assert on `code` and quote the output.
 */
export function runPromtool (args: readonly string[], options: PromtoolOptions = {}): Promise<PromtoolResult> {
  const file = promtoolPath(options.env)
  const timeoutMs = options.timeoutMs ?? 30_000
  return new Promise((resolve, reject) => {
    const child = execFile(file, args, { cwd: options.cwd, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err === null) return resolve({ code: 0, stdout, stderr })
      if (err.killed) {
        return reject(new TestingError(codes.TIMEOUT, `promtool ${args.join(' ')} was killed after the ${timeoutMs} ms limit`, { cause: err }))
      }
      // A numeric code is promtool's own exit status; anything else (ENOENT, EACCES) means it never ran.
      if (typeof err.code === 'number') return resolve({ code: err.code, stdout, stderr })
      reject(new TestingError(codes.START_FAILED, `promtool ${args.join(' ')} failed to run: ${err.message}`, { cause: err }))
    })
    // promtool may exit before reading its input (a bad flag): that EPIPE is not the failure to report.
    child.stdin?.on('error', () => {})
    child.stdin?.end(options.input ?? '')
  })
}

import { readFileSync } from 'node:fs'
import { spawn } from 'node:child_process'
import { TestingError, codes } from './errors.js'
import type { OsUser } from './binaries.js'

export interface RunOptions {
  /** What the command does, for error messages. */
  what: string
  timeoutMs: number
  cwd?: string
  env?: NodeJS.ProcessEnv
  user?: OsUser | undefined
}

/** Last lines of a process's output, for error messages. */
export function tail (text: string, lines = 5): string {
  return text.trim().split('\n').slice(-lines).join(' | ')
}

/**
 * Runs a setup command to completion (bounded by `timeoutMs`, then SIGKILLed) and resolves with its
 * output; a non-zero exit fails with a START_FAILED error quoting the end of the output.
 */
export function run (file: string, args: string[], opts: RunOptions): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, {
      cwd: opts.cwd,
      env: opts.env,
      uid: opts.user?.uid,
      gid: opts.user?.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: opts.timeoutMs,
      killSignal: 'SIGKILL'
    })
    let output = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => { output += chunk })
    child.once('error', (err) => reject(new TestingError(codes.START_FAILED, `${opts.what} failed: ${err.message}`, { cause: err })))
    child.once('close', (code, sig) => {
      if (code === 0) return resolve(output)
      const how = sig === 'SIGKILL' ? `was killed after the ${opts.timeoutMs} ms limit` : `exited with ${code ?? sig}`
      reject(new TestingError(codes.START_FAILED, `${opts.what} ${how}: ${tail(output)}`))
    })
  })
}

/** process.env without the libpq variables (PGPORT, PGDATA, ...) that would redirect PostgreSQL tools. */
export function cleanPgEnv (env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([key]) => !key.startsWith('PG')))
}

/** Last lines of a log file, or a note that there is none yet. */
export function readTail (file: string): string {
  try {
    return tail(readFileSync(file, 'utf8'))
  } catch {
    return `(no log at ${file})`
  }
}

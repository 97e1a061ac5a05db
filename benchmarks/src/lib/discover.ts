import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { HttpScenario } from '../http/types.js'
import type { MicroSuite } from '../micro/types.js'
import { httpScenarioDistDir, httpScenarioSrcDir, microDistDir, microSrcDir } from './paths.js'

export type Kind = 'http' | 'micro'

export interface Catalog {
  http: string[]
  micro: string[]
}

// The source tree is the list of record, so a stale file left in dist/ is never run.
function namesIn (dir: string, exclude: readonly string[]): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts') && !e.name.endsWith('.d.ts'))
    .map((e) => e.name.slice(0, -'.ts'.length))
    .filter((n) => !exclude.includes(n))
    .sort()
}

export function catalog (): Catalog {
  const http = namesIn(httpScenarioSrcDir, [])
  const micro = namesIn(microSrcDir, ['types'])
  const clash = http.filter((n) => micro.includes(n))
  if (clash.length > 0) {
    throw new Error(`names must be unique across HTTP scenarios and micro suites (results/<name>.json): ${clash.join(', ')}`)
  }
  return { http, micro }
}

async function importDefault (dir: string, name: string): Promise<unknown> {
  const file = join(dir, `${name}.js`)
  if (!existsSync(file)) throw new Error(`${file} is missing: run \`pnpm build\` in benchmarks/ first`)
  try {
    const mod = await import(pathToFileURL(file).href) as { default?: unknown }
    return mod.default
  } catch (err) {
    const code = (err as { code?: string }).code
    if (code === 'ERR_MODULE_NOT_FOUND' && String((err as Error).message).includes('@highload/')) {
      throw new Error(`${name}: a workspace package is not built; run \`pnpm build\` at the repository root first`, { cause: err })
    }
    throw err
  }
}

function isObject (v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}

function check (ok: boolean, where: string, what: string): void {
  if (!ok) throw new TypeError(`${where}: ${what}`)
}

export async function loadHttpScenario (name: string): Promise<HttpScenario> {
  const s = await importDefault(httpScenarioDistDir, name)
  const where = `src/http/scenarios/${name}.ts`
  check(isObject(s), where, 'must default-export an HttpScenario object')
  const o = s as Record<string, unknown>
  check(o['name'] === name, where, `name must equal the file name "${name}", got ${JSON.stringify(o['name'])}`)
  check(typeof o['description'] === 'string', where, 'description must be a string')
  const requests = Array.isArray(o['request']) ? o['request'] as unknown[] : [o['request']]
  check(requests.length > 0 && requests.every((r) => isObject(r) && typeof r['path'] === 'string' && r['path'].startsWith('/')),
    where, 'request must be { path } or a non-empty list of them, each path a string starting with "/"')
  for (const side of ['baseline', 'candidate']) {
    const v = o[side]
    check(isObject(v) && typeof v['label'] === 'string' && typeof v['build'] === 'function', where, `${side} must be { label: string, build: () => FastifyInstance }`)
  }
  check(o['minRatio'] === undefined || (typeof o['minRatio'] === 'number' && o['minRatio'] > 0), where, 'minRatio must be a number > 0')
  return s as unknown as HttpScenario
}

export async function loadMicroSuite (name: string): Promise<MicroSuite> {
  const s = await importDefault(microDistDir, name)
  const where = `src/micro/${name}.ts`
  check(isObject(s), where, 'must default-export a MicroSuite object')
  const o = s as Record<string, unknown>
  check(o['name'] === name, where, `name must equal the file name "${name}", got ${JSON.stringify(o['name'])}`)
  check(typeof o['description'] === 'string', where, 'description must be a string')
  const tasks = o['tasks']
  check(isObject(tasks) && Object.values(tasks).length >= 2 && Object.values(tasks).every((f) => typeof f === 'function'),
    where, 'tasks must map at least two names to functions')
  check(typeof o['baseline'] === 'string' && Object.hasOwn(tasks as object, o['baseline']), where, 'baseline must be the key of a task')
  for (const hook of ['setup', 'teardown']) {
    check(o[hook] === undefined || typeof o[hook] === 'function', where, `${hook} must be a function`)
  }
  const max = o['maxOverheadNs']
  check(max === undefined || (isObject(max) && Object.entries(max).every(([k, v]) => Object.hasOwn(tasks as object, k) && typeof v === 'number')),
    where, 'maxOverheadNs must map task names to numbers')
  return s as unknown as MicroSuite
}

import { mkdirSync, writeFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { packageRoot, resultsDir } from './paths.js'

/** Writes results/<name>.json and .md (or the git-ignored .scratch.* pair); returns the paths written. */
export function writeResults (name: string, json: unknown, markdown: string, scratch: boolean): string[] {
  mkdirSync(resultsDir, { recursive: true })
  const base = join(resultsDir, scratch ? `${name}.scratch` : name)
  writeFileSync(`${base}.json`, JSON.stringify(json, null, 2) + '\n')
  writeFileSync(`${base}.md`, markdown)
  return [`${base}.json`, `${base}.md`].map((p) => relative(packageRoot, p))
}

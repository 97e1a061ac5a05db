// Lists the public packages of a workspace: every packages/*/package.json without "private": true.
// Usage: node scripts/smoke/packages.mjs <repo-root>  ->  one "packages/<dir>\t<name>" line per package.
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join, resolve } from 'node:path'

const root = resolve(process.argv[2] ?? '.')
const packagesDir = join(root, 'packages')

for (const entry of readdirSync(packagesDir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
  const manifest = join(packagesDir, entry.name, 'package.json')
  if (!entry.isDirectory() || !existsSync(manifest)) continue
  const pkg = JSON.parse(readFileSync(manifest, 'utf8'))
  if (pkg.private === true) continue
  process.stdout.write(`packages/${entry.name}\t${pkg.name}\n`)
}

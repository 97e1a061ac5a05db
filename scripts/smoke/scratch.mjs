// Writes the scratch app's package.json: every packed tarball as a dependency, and an npm override
// per @highload package so that the tarballs' own dependencies on each other (`^x.y.z` after pnpm
// pack rewrote `workspace:^`) resolve to the tarballs too: those packages are not on the registry.
// Usage: node scratch.mjs <pnpm-pack-json> <scratch-dir> <extra-spec>...
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

const [packJson, scratchDir, ...extra] = process.argv.slice(2)
const packed = JSON.parse(readFileSync(packJson, 'utf8'))

const dependencies = {}
const overrides = {}
for (const { name, filename } of packed) {
  dependencies[name] = `file:${filename}`
  overrides[name] = `$${name}` // npm: "the same spec as the direct dependency"
}
for (const spec of extra) {
  const at = spec.lastIndexOf('@')
  dependencies[spec.slice(0, at)] = spec.slice(at + 1)
}

const manifest = { name: 'highload-smoke', private: true, dependencies, overrides }
writeFileSync(join(scratchDir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n')

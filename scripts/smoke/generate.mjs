// Writes the smoke test's entry files into the scratch app, after the tarballs are installed there:
// one file per package and mode (ESM, CommonJS, TypeScript nodenext ESM and CommonJS, TypeScript
// bundler), two tsconfigs, and cases.json for run.mjs. What each file checks is discovered by
// importing every `exports` subpath once: every runtime export must be there (and, in TypeScript,
// be declared); a default export with fastify-plugin metadata is registered on a Fastify app with
// the options of cases.mjs, and its decorator must exist after `ready()`.
// Usage: node generate.mjs <scratch-dir> <package-name>...
import { execFileSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { plugins } from './cases.mjs'

const [scratch, ...names] = process.argv.slice(2)

/** The subpaths a package exports, as import specifiers (pattern and package.json entries left out). */
function specifiers (name) {
  const { exports } = JSON.parse(readFileSync(join(scratch, 'node_modules', name, 'package.json'), 'utf8'))
  const keys = typeof exports === 'object' && exports !== null && Object.keys(exports).some((k) => k.startsWith('.'))
    ? Object.keys(exports)
    : ['.']
  return keys
    .filter((key) => key !== './package.json' && !key.includes('*'))
    .map((key) => (key === '.' ? name : `${name}/${key.slice(2)}`))
}

/** Imports each specifier from the scratch app (ESM), in one child process: export names or the error. */
function discover (specs) {
  const code = `
    const found = {}
    for (const spec of process.argv.slice(1)) {
      try {
        const ns = await import(spec)
        const plugin = typeof ns.default === 'function' && ns.default[Symbol.for('plugin-meta')] !== undefined
        found[spec] = { exportNames: Object.keys(ns), plugin }
      } catch (error) {
        found[spec] = { error: String(error?.stack ?? error).split('\\n').slice(0, 3).join('\\n') }
      }
    }
    process.stdout.write(JSON.stringify(found))
    process.exit(0)`
  return JSON.parse(execFileSync(process.execPath, ['--input-type=module', '-e', code, ...specs], {
    cwd: scratch, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit']
  }))
}

const IDENTIFIER = /^[A-Za-z_$][\w$]*$/
const member = (ns, name) => (IDENTIFIER.test(name) ? `${ns}.${name}` : `${ns}[${JSON.stringify(name)}]`)

/**
 * The body shared by every mode: each runtime export is read through its namespace (in TypeScript
 * that fails to compile when the declarations lack it), then the plugin, if any, is registered.
 */
function body (modules, plugin) {
  const reads = modules.flatMap(({ ns, spec, exportNames }) =>
    exportNames.map((name) => `  ${JSON.stringify(`${spec} ${name}`)}: ${member(ns, name)},`))
  const lines = [
    'const exported = {',
    ...reads,
    '}',
    'const missing = Object.keys(exported).filter((key) => exported[key as keyof typeof exported] === undefined)',
    "if (missing.length > 0) throw new Error('missing exports: ' + missing.join(', '))"
  ]
  if (plugin !== undefined) {
    const { decorator, options, ns } = plugin
    lines.push(
      'const app = Fastify()',
      `await app.register(${member(ns, 'default')}, ${JSON.stringify(options)})`,
      'await app.ready()',
      `if (!app.hasDecorator(${JSON.stringify(decorator)}) || ${member('app', decorator)} === undefined) {`,
      `  throw new Error('no ${decorator} decorator after ready()')`,
      '}',
      'await app.close()'
    )
  }
  return lines
}

/** `as keyof ...` is TypeScript only: JavaScript files get the same line without it. */
const untyped = (lines) => lines.map((line) => line.replace(' as keyof typeof exported', ''))

/** CommonJS has no top-level await: the body runs in an async main(). */
function inMain (lines) {
  return [
    'async function main () {',
    ...lines.map((line) => `  ${line}`),
    '}',
    'main().catch((error) => { console.error(error); process.exitCode = 1 })'
  ]
}

const writers = {
  esm: (modules, lines, plugin) => [
    ...(plugin ? ["import Fastify from 'fastify'"] : []),
    ...modules.map(({ ns, spec }) => `import * as ${ns} from '${spec}'`),
    '',
    ...untyped(lines)
  ],
  cjs: (modules, lines, plugin) => [
    "'use strict'",
    ...(plugin ? ["const Fastify = require('fastify')"] : []),
    ...modules.map(({ ns, spec }) => `const ${ns} = require('${spec}')`),
    '',
    ...inMain(untyped(lines))
  ],
  'ts-esm': (modules, lines, plugin) => [
    ...(plugin ? ["import Fastify from 'fastify'"] : []),
    ...modules.map(({ ns, spec }) => `import * as ${ns} from '${spec}'`),
    '',
    ...lines,
    'export {}'
  ],
  'ts-cjs': (modules, lines, plugin) => [
    ...(plugin ? ["import Fastify = require('fastify')"] : []),
    ...modules.map(({ ns, spec }) => `import ${ns} = require('${spec}')`),
    '',
    ...inMain(lines)
  ]
}

// Each mode: the written source, the file node runs, and the tsconfig that compiles it (if any).
const modes = {
  esm: { writer: 'esm', source: (id) => `esm/${id}.mjs`, run: (id) => `esm/${id}.mjs` },
  cjs: { writer: 'cjs', source: (id) => `cjs/${id}.cjs`, run: (id) => `cjs/${id}.cjs` },
  'ts-nodenext-esm': { writer: 'ts-esm', source: (id) => `ts-nodenext/${id}.mts`, run: (id) => `out-nodenext/${id}.mjs`, tsconfig: 'tsconfig.nodenext.json' },
  'ts-nodenext-cjs': { writer: 'ts-cjs', source: (id) => `ts-nodenext/${id}.cts`, run: (id) => `out-nodenext/${id}.cjs`, tsconfig: 'tsconfig.nodenext.json' },
  'ts-bundler': { writer: 'ts-esm', source: (id) => `ts-bundler/${id}.ts`, run: (id) => `out-bundler/${id}.js`, tsconfig: 'tsconfig.bundler.json' }
}

const shared = { target: 'es2022', lib: ['es2022'], strict: true, skipLibCheck: false, types: ['node'], esModuleInterop: true }
const tsconfigs = {
  // Node's own resolution, where TypeScript 5.8+ lets a CommonJS file require() an ES module.
  'tsconfig.nodenext.json': { ...shared, module: 'nodenext', moduleResolution: 'nodenext', rootDir: 'ts-nodenext', outDir: 'out-nodenext' },
  // What an app bundled by Vite or esbuild (or run by tsx) type-checks with.
  'tsconfig.bundler.json': { ...shared, module: 'esnext', moduleResolution: 'bundler', rootDir: 'ts-bundler', outDir: 'out-bundler' }
}

const specsByPackage = Object.fromEntries(names.map((name) => [name, specifiers(name)]))
const found = discover(Object.values(specsByPackage).flat())
const cases = []
const sources = { 'tsconfig.nodenext.json': [], 'tsconfig.bundler.json': [] }

for (const name of names) {
  const id = name.replace(/^@[^/]+\//, '')
  const modules = specsByPackage[name].map((spec, i) => ({ ns: `m${i}`, spec, ...found[spec] }))
  // A subpath ESM cannot import is a failure of its own; the other subpaths are still checked.
  const errors = modules.filter((m) => m.error !== undefined).map((m) => `import('${m.spec}') failed: ${m.error}`)
  const loaded = modules.filter((m) => m.error === undefined)
  const root = loaded.find((m) => m.spec === name)
  const isPlugin = root?.plugin === true
  const unlisted = isPlugin && plugins[name] === undefined
  if (unlisted) errors.push(`${name} exports a Fastify plugin but scripts/smoke/cases.mjs has no options for it`)
  if (loaded.length === 0 || unlisted) {
    cases.push({ name, errors })
    continue
  }
  const lines = body(loaded, isPlugin ? { ...plugins[name], ns: root.ns } : undefined)
  const runs = {}
  for (const [mode, { writer, source, run, tsconfig }] of Object.entries(modes)) {
    const file = join(scratch, source(id))
    mkdirSync(join(file, '..'), { recursive: true })
    writeFileSync(file, writers[writer](loaded, lines, isPlugin).join('\n') + '\n')
    if (tsconfig !== undefined) sources[tsconfig].push(source(id))
    runs[mode] = { source: source(id), run: run(id), tsconfig }
  }
  cases.push({ name, plugin: isPlugin, errors, runs })
}

for (const [file, compilerOptions] of Object.entries(tsconfigs)) {
  writeFileSync(join(scratch, file), JSON.stringify({ compilerOptions, files: sources[file] }, null, 2) + '\n')
}
mkdirSync(join(scratch, 'out-bundler'), { recursive: true })
writeFileSync(join(scratch, 'out-bundler', 'package.json'), '{ "type": "module" }\n')
writeFileSync(join(scratch, 'cases.json'), JSON.stringify(cases, null, 2) + '\n')

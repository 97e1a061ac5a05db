import { fileURLToPath } from 'node:url'
import { join } from 'node:path'

// This file compiles to dist/lib/paths.js; everything else is relative to the package root.
export const packageRoot = fileURLToPath(new URL('../../', import.meta.url))
export const distDir = join(packageRoot, 'dist')
export const srcDir = join(packageRoot, 'src')
export const resultsDir = join(packageRoot, 'results')

export const httpScenarioSrcDir = join(srcDir, 'http', 'scenarios')
export const httpScenarioDistDir = join(distDir, 'http', 'scenarios')
export const microSrcDir = join(srcDir, 'micro')
export const microDistDir = join(distDir, 'micro')

export const serveScript = join(distDir, 'http', 'serve.js')
export const microWorkerScript = join(distDir, 'lib', 'micro-worker.js')

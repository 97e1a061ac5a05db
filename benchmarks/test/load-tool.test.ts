import t from 'tap'
import { decideAfterInstall, decideTool, installHint, resolveLoadTool, type ToolFacts, type ToolHost } from '../src/lib/load-tool.js'

const FRESH_DEBIAN_ROOT: ToolFacts = { wrkOnPath: false, root: true, aptGet: true, platform: 'linux', mayInstall: true }

t.test('the decision, as a table of the machine\'s facts and the --tool choice', async (t) => {
  t.same(decideTool('autocannon', FRESH_DEBIAN_ROOT), { action: 'use', tool: 'autocannon' }, 'autocannon asked for: never installs')
  t.same(decideTool('auto', { ...FRESH_DEBIAN_ROOT, wrkOnPath: true }), { action: 'use', tool: 'wrk' })
  t.same(decideTool('wrk', { ...FRESH_DEBIAN_ROOT, wrkOnPath: true }), { action: 'use', tool: 'wrk' })
  t.same(decideTool('auto', FRESH_DEBIAN_ROOT), { action: 'install' }, 'root with apt-get: install')
  t.same(decideTool('wrk', FRESH_DEBIAN_ROOT), { action: 'install' })

  const notRoot = decideTool('auto', { ...FRESH_DEBIAN_ROOT, root: false })
  t.same(notRoot, { action: 'fallback', note: 'wrk is not installed, so autocannon measured this run (its figures are not comparable with wrk runs); to use wrk: sudo apt-get install wrk' })
  t.same(decideTool('wrk', { ...FRESH_DEBIAN_ROOT, root: false }), { action: 'fail', message: '--tool wrk: wrk is not on PATH; sudo apt-get install wrk' })
  t.match(decideTool('auto', { ...FRESH_DEBIAN_ROOT, mayInstall: false }), { action: 'fallback', note: /to use wrk: apt-get install wrk$/ }, '--no-install')
  t.match(decideTool('auto', { ...FRESH_DEBIAN_ROOT, aptGet: false }), { action: 'fallback', note: /to use wrk: install wrk with your package manager/ }, 'root without apt-get')
})

t.test('the one-line hint for each kind of machine', async (t) => {
  t.equal(installHint({ root: true, aptGet: true, platform: 'linux' }), 'apt-get install wrk')
  t.equal(installHint({ root: false, aptGet: true, platform: 'linux' }), 'sudo apt-get install wrk')
  t.equal(installHint({ root: false, aptGet: false, platform: 'darwin' }), 'brew install wrk')
  t.equal(installHint({ root: true, aptGet: false, platform: 'linux' }), 'install wrk with your package manager (https://github.com/wg/wrk)')
})

t.test('after apt-get: wrk if it is there now, else the fallback (auto) or the failure (--tool wrk)', async (t) => {
  t.same(decideAfterInstall('auto', true), { action: 'use', tool: 'wrk' })
  t.match(decideAfterInstall('auto', false), { action: 'fallback', note: /^`apt-get install wrk` did not install wrk \(its output is above\), so autocannon measured this run/ })
  t.match(decideAfterInstall('wrk', false), { action: 'fail', message: /^--tool wrk: `apt-get install wrk` did not install wrk/ })
})

/** A machine that answers with `facts` and whose apt-get does `installs` (puts wrk on PATH) or fails. */
function host (facts: ToolFacts, apt: 'installs' | 'fails' | 'exits 0 without wrk'): ToolHost & { logs: string[], installs: number } {
  let wrk = facts.wrkOnPath
  const h = {
    logs: [] as string[],
    installs: 0,
    facts: () => ({ ...facts, wrkOnPath: wrk }),
    installWrk: async () => {
      h.installs++
      if (apt === 'installs') wrk = true
      return apt !== 'fails'
    },
    log: (line: string) => { h.logs.push(line) }
  }
  return h
}

t.test('resolving: installs wrk once as root with apt-get, and says so', async (t) => {
  const h = host(FRESH_DEBIAN_ROOT, 'installs')
  t.same(await resolveLoadTool('auto', h), { tool: 'wrk', note: null })
  t.equal(h.installs, 1)
  t.same(h.logs, ['wrk is not installed; installing it with apt-get (--no-install skips this and uses autocannon)'])
})

t.test('resolving: a failed install falls back to autocannon with the note on the log and for the report', async (t) => {
  const h = host(FRESH_DEBIAN_ROOT, 'fails')
  const r = await resolveLoadTool('auto', h)
  t.equal(r.tool, 'autocannon')
  t.match(r.note, /did not install wrk/)
  t.equal(h.logs.at(-1), r.note)
  const quiet = host(FRESH_DEBIAN_ROOT, 'exits 0 without wrk')
  t.equal((await resolveLoadTool('auto', quiet)).tool, 'autocannon', 'apt-get exited 0 but wrk is still not on PATH')
})

t.test('resolving: --tool wrk that cannot be had is an error; nothing is installed without root', async (t) => {
  await t.rejects(resolveLoadTool('wrk', host(FRESH_DEBIAN_ROOT, 'fails')), /--tool wrk: `apt-get install wrk` did not install wrk/)
  const user = host({ ...FRESH_DEBIAN_ROOT, root: false }, 'installs')
  await t.rejects(resolveLoadTool('wrk', user), /sudo apt-get install wrk/)
  t.equal(user.installs, 0)
})

t.test('resolving: wrk on PATH or autocannon asked for: no note, no log, no install', async (t) => {
  const h = host({ ...FRESH_DEBIAN_ROOT, wrkOnPath: true }, 'fails')
  t.same(await resolveLoadTool('auto', h), { tool: 'wrk', note: null })
  t.same(await resolveLoadTool('autocannon', h), { tool: 'autocannon', note: null })
  t.same(h.logs, [])
  t.equal(h.installs, 0)
})

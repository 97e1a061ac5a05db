import t from 'tap'
import { chmodSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { codes, promtoolPath, runPromtool } from '../src/index.js'

/** An executable shell script standing in for promtool. */
function script (dir: string, name: string, body: string): string {
  const file = join(dir, name)
  writeFileSync(file, `#!/bin/sh\n${body}\n`)
  chmodSync(file, 0o755)
  return file
}

t.test('promtoolPath: PATH, HL_TESTING_PROMTOOL, and a loud error when there is none', async (t) => {
  const found = promtoolPath()
  t.match(found, /\/promtool$/, 'the real promtool is on PATH (scripts/ensure-promtool.sh installs it)')
  const dir = t.testdir({ plain: 'not executable' })
  const fake = script(dir, 'promtool', 'exit 0')
  t.equal(promtoolPath({ PATH: `/nonexistent:${dir}` }), fake)
  t.equal(promtoolPath({ PATH: '', HL_TESTING_PROMTOOL: fake }), fake, 'the variable wins over PATH')
  t.equal(promtoolPath({ PATH: dir, HL_TESTING_PROMTOOL: '' }), fake, 'an empty variable is unset')
  t.throws(() => promtoolPath({ PATH: '/nonexistent' }), {
    code: codes.MISSING_BINARY,
    message: /^promtool not found on PATH: install Prometheus \(Debian: apt-get install prometheus, or run scripts\/ensure-promtool\.sh as root\)/
  })
  t.throws(() => promtoolPath({}), { code: codes.MISSING_BINARY }, 'no PATH at all')
  t.throws(() => promtoolPath({ HL_TESTING_PROMTOOL: join(dir, 'plain') }), {
    code: codes.MISSING_BINARY,
    message: /^HL_TESTING_PROMTOOL=.*\/plain is not an executable file/
  })
  t.throws(() => promtoolPath({ HL_TESTING_PROMTOOL: dir }), { code: codes.MISSING_BINARY }, 'a directory is not a binary')
})

t.test('runPromtool: exit status and output of the real promtool, input on stdin', async (t) => {
  const version = await runPromtool(['--version'])
  t.equal(version.code, 0)
  t.match(version.stdout + version.stderr, /promtool, version \d+\.\d+/)

  const good = await runPromtool(['check', 'metrics'], { input: '# HELP up_total Ups.\n# TYPE up_total counter\nup_total 1\n' })
  t.same(good, { code: 0, stdout: '', stderr: '' })
  // A counter without _total is a lint finding: promtool says so and exits non-zero, which resolves.
  const bad = await runPromtool(['check', 'metrics'], { input: '# HELP ups Ups.\n# TYPE ups counter\nups 1\n' })
  t.not(bad.code, 0)
  t.match(bad.stderr + bad.stdout, /^ups counter metrics should have "_total" suffix$/m)

  const dir = t.testdir({ 'rules.yml': 'groups: []\n' })
  const rules = await runPromtool(['check', 'rules', 'rules.yml'], { cwd: dir })
  t.equal(rules.code, 0, 'cwd resolves relative paths')
})

t.test('runPromtool: a time limit, a binary that cannot start, input it never reads', async (t) => {
  const dir = t.testdir({})
  const env = (file: string): NodeJS.ProcessEnv => ({ HL_TESTING_PROMTOOL: file })
  await t.rejects(runPromtool(['test', 'rules'], { env: env(script(dir, 'slow', 'exec sleep 30')), timeoutMs: 200 }), {
    code: codes.TIMEOUT,
    message: 'promtool test rules was killed after the 200 ms limit'
  })
  writeFileSync(join(dir, 'noexec'), '#!/nonexistent/interpreter\n')
  chmodSync(join(dir, 'noexec'), 0o755)
  await t.rejects(runPromtool(['check'], { env: env(join(dir, 'noexec')) }), {
    code: codes.START_FAILED,
    message: /^promtool check failed to run: spawn .*noexec ENOENT/
  })
  // The child exits without reading a megabyte of input: the broken pipe is not an error of ours.
  const early = await runPromtool([], { env: env(script(dir, 'early', 'exit 3')), input: 'x'.repeat(1 << 20) })
  t.same(early, { code: 3, stdout: '', stderr: '' })
})

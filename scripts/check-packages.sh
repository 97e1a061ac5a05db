#!/usr/bin/env bash
# Checks what npm users get from every public package (packages/* without "private": true): the
# packed tarball passes publint and @arethetypeswrong/cli, and installed with npm in an app outside
# the workspace it loads and registers from ESM, CommonJS (require) and TypeScript.
#
# Usage: bash scripts/check-packages.sh [repo-root]
#   repo-root  the workspace whose packages are checked (default: this repository); it must be
#              installed and built (`npx pnpm -r build`). The tools (pnpm, publint, attw) always come
#              from this repository, so an older checkout can be checked with today's script.
# HL_SMOKE_KEEP=1 keeps the temporary directories (tarballs, scratch app) and prints where they are.
set -euo pipefail

tools=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
root=$(cd "${1:-$tools}" && pwd)
bin="$tools/node_modules/.bin"
smoke="$tools/scripts/smoke"

work=$(mktemp -d)   # tarballs and logs
app=$(mktemp -d)    # the scratch app: outside any workspace, so nothing resolves from the repository
if [[ "${HL_SMOKE_KEEP:-}" == 1 ]]; then
  trap 'echo "kept: $work $app"' EXIT
else
  trap 'rm -rf "$work" "$app"' EXIT
fi

started=$SECONDS
section () { printf '\n--- %s (%ss)\n' "$1" "$(( SECONDS - started ))"; }
indent () { sed 's/^/       /'; }
failed=0

dirs=()
names=()
while IFS=$'\t' read -r dir name; do
  dirs+=("$dir")
  names+=("$name")
done < <(node "$smoke/packages.mjs" "$root")
if (( ${#names[@]} == 0 )); then
  echo "FAIL no public package under $root/packages"
  exit 1
fi
echo "checking ${#names[@]} public packages of $root: ${names[*]}"

section "pack (pnpm pack rewrites workspace: ranges to versions, as pnpm publish does)"
filters=()
for dir in "${dirs[@]}"; do filters+=(--filter "./$dir"); done
if ! (cd "$root" && "$bin/pnpm" -r "${filters[@]}" pack --pack-destination "$work/tarballs" --json) \
  > "$work/packed.json" 2> "$work/pack.log"; then
  echo "FAIL pnpm pack"
  indent < "$work/pack.log"
  exit 1
fi
mapfile -t tarballs < <(node -e 'for (const p of require(process.argv[1])) console.log(p.filename)' "$work/packed.json" | sort)

# publint: every publint warning is a problem some consumer hits (a file in exports missing from
# the tarball, a condition that is never reached, ESM syntax in a file Node reads as CommonJS,
# `types` not first); matters of taste are publint's suggestions. So --strict: warnings fail too.
#
# attw: the packages are ESM only and are loaded by require() on Node >= 20.19 (engines.node),
# which works because they have no top-level await; TypeScript >= 5.8 type-checks that require()
# under module nodenext (the smoke test below compiles it). attw 0.18.5 analyses with TypeScript
# 5.6, which predates both, so it reports every require() resolution as CJSResolvesToESM: that one
# rule is ignored. Not `--profile esm-only`: it drops the whole "node16 (from CJS)" column, which
# still checks that the require condition resolves, and to typed files (an import-only exports map
# fails there). `--profile node16` drops node10 only: TypeScript's pre-exports resolution, which
# cannot see subpaths like @highload/breaker/core and which TypeScript 6 deprecates.
lint () {
  local tgz=$1 out
  out="$work/lint/$(basename "$tgz" .tgz)"
  if "$bin/publint" run "$tgz" --strict > "$out.publint" 2>&1; then echo 0 > "$out.publint.rc"; else echo 1 > "$out.publint.rc"; fi
  if "$bin/attw" "$tgz" --profile node16 --ignore-rules cjs-resolves-to-esm --no-color --no-emoji \
    > "$out.attw" 2>&1; then echo 0 > "$out.attw.rc"; else echo 1 > "$out.attw.rc"; fi
}
report () { # <tool>: one line per tarball, with the tool's output under a failure (or a suggestion)
  local tgz out
  for tgz in "${tarballs[@]}"; do
    out="$work/lint/$(basename "$tgz" .tgz).$1"
    if [[ $(cat "$out.rc") != 0 ]]; then
      failed=1
      echo "FAIL $(basename "$tgz")"
      indent < "$out"
    elif grep -q 'Suggestions:' "$out"; then
      echo "ok   $(basename "$tgz") (with suggestions)"
      indent < "$out"
    else
      echo "ok   $(basename "$tgz")"
    fi
  done
}

section "publint and @arethetypeswrong/cli"
mkdir -p "$work/lint"
parallel=$(( $(nproc) < 4 ? $(nproc) : 4 ))
running=0
for tgz in "${tarballs[@]}"; do
  lint "$tgz" &
  if (( ++running >= parallel )); then wait -n; running=$(( running - 1 )); fi
done
wait
echo "publint --strict:"
report publint
echo "attw --profile node16 --ignore-rules cjs-resolves-to-esm:"
report attw

section "tarball smoke test: npm install in $app"
node "$smoke/scratch.mjs" "$work/packed.json" "$app" fastify@^5 typescript@5.9.3 @types/node@^20
if ! (cd "$app" && npm install --prefer-offline --no-audit --no-fund --loglevel=error) > "$work/npm.log" 2>&1; then
  echo "FAIL npm install"
  indent < "$work/npm.log"
  exit 1
fi

section "tarball smoke test: load and register from ESM, CommonJS, TypeScript nodenext (ESM, CJS), TypeScript bundler"
node "$smoke/generate.mjs" "$app" "${names[@]}"
node "$smoke/run.mjs" "$app" || failed=1

section "done: $([[ $failed == 0 ]] && echo passed || echo FAILED)"
exit "$failed"

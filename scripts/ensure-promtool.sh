#!/usr/bin/env bash
# Makes sure Prometheus's promtool is on PATH: the metrics and example tests run it (rules lint,
# rules unit tests, exposition check) and fail, never skip, without it. Exits 0 when it is there;
# as root with apt-get, installs Debian's `prometheus` package (which ships promtool) and checks
# again; otherwise prints how to install it and exits 1.
set -euo pipefail

if command -v promtool >/dev/null 2>&1; then
  exit 0
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  # --no-install-recommends: promtool is in the package itself; the recommends pull in exporters.
  # Without package lists (a fresh container) the first attempt fails: update them and retry.
  if ! apt-get install -y -qq --no-install-recommends prometheus >/dev/null; then
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends prometheus >/dev/null
  fi
  if command -v promtool >/dev/null 2>&1; then
    exit 0
  fi
fi

echo "promtool not found: install Prometheus's promtool (Debian/Ubuntu as root: apt-get install prometheus; elsewhere put promtool from a Prometheus release on PATH)" >&2
exit 1

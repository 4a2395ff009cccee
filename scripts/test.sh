#!/usr/bin/env bash
# The whole test suite (the README's second command): install what is needed, type-check, run every
# vitest suite against the real components (arguments go to vitest), then the quick fault campaign,
# and the quick concurrency campaign, each of which fails on any safety figure above 0.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

# The Web UI test drives Debian's chromium (never a downloaded browser). The whole suite (no file filter
# among the arguments: every one starts with -) needs it: it is installed where this machine can (root
# with apt), else the run stops here, before anything else runs.
CHROMIUM=/usr/bin/chromium
whole_suite=true
for arg in "$@"; do [[ "$arg" == -* ]] || whole_suite=false; done
if $whole_suite && [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "test: installing Debian's chromium for the Web UI test (apt-get install chromium)" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } \
      || { echo "test: could not install Debian's chromium (apt-get install chromium); the Web UI test needs $CHROMIUM" >&2; exit 1; }
  else
    echo "test: the Web UI test needs Debian's chromium at $CHROMIUM: run \`sudo apt-get install chromium\`, then npm test again (nothing ran)" >&2
    exit 1
  fi
fi

npx tsc -p tsconfig.json --noEmit
npx vitest run "$@"
node --import tsx campaign/run.ts --quick
node --import tsx campaign/run.ts --concurrency --quick

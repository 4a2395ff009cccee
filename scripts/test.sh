#!/usr/bin/env bash
# The whole test suite (the README's second command): install what is needed, type-check, run every
# vitest suite against the real components (arguments go to vitest), then the quick fault campaign,
# and the quick concurrency campaign, each of which fails on any safety figure above 0.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
npx tsc -p tsconfig.json --noEmit
npx vitest run "$@"
node --import tsx campaign/run.ts --quick
node --import tsx campaign/run.ts --concurrency --quick

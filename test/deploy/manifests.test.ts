// The Kubernetes side, validated without a cluster: every overlay is rendered by kubectl's kustomize and
// validated against the Kubernetes 1.33 API schemas (kubernetes-validate --strict) and KEDA's
// ScaledObject schema (@kubernetes-models/keda, KEDA 2.19 API types); the values that must agree across
// files (grace times, ports, task queue, image command) are checked here too.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ScaledObject } from '@kubernetes-models/keda/keda.sh/v1alpha1/ScaledObject';
import { beforeAll, describe, expect, it } from 'vitest';
import { chainSettingsFromEnv } from '../../src/config/chain.js';
import { durationMs } from '../../src/config/settings.js';
import { WORKER_COMMAND } from '../support/processes.js';
import { kustomize, parseManifests, requireTools, ROOT, validateKubernetes, type Manifest } from './tools.js';

const OVERLAYS = ['deploy/overlays/dev', 'deploy/overlays/prod', 'deploy/overlays/prod-hpa'] as const;
const KEDA_API = 'keda.sh/v1alpha1';

interface Container {
  name: string;
  ports: Array<{ name: string; containerPort: number }>;
  env?: Array<{ name: string }>;
  livenessProbe: { httpGet: { path: string; port: string } };
  readinessProbe: { httpGet: { path: string; port: string } };
  securityContext: { readOnlyRootFilesystem: boolean; allowPrivilegeEscalation: boolean; capabilities: { drop: string[] } };
}
interface PodSpec {
  terminationGracePeriodSeconds: number;
  securityContext: { runAsNonRoot: boolean };
  containers: Container[];
}

function one(manifests: Manifest[], kind: string): Manifest {
  const found = manifests.filter((m) => m.kind === kind);
  if (found.length !== 1) throw new Error(`expected one ${kind}, found ${found.length}`);
  return found[0]!;
}

const podSpec = (deployment: Manifest) => (deployment['spec'] as { template: { spec: PodSpec } }).template.spec;
const configData = (manifests: Manifest[]) => one(manifests, 'ConfigMap')['data'] as Record<string, string>;

function validateKeda(manifest: Manifest): void {
  // The model validates plain data against KEDA's schema; our parsed YAML is that plain data.
  new ScaledObject(manifest as unknown as ConstructorParameters<typeof ScaledObject>[0]).validate();
}

describe('deployment manifests', () => {
  const rendered = new Map<string, Manifest[]>();

  beforeAll(() => {
    requireTools();
    for (const overlay of OVERLAYS) rendered.set(overlay, kustomize(overlay).manifests);
  });

  it.each(OVERLAYS)('%s: every Kubernetes resource validates against the 1.33 schemas (strict)', (overlay) => {
    const k8s = rendered.get(overlay)!.filter((m) => m.apiVersion !== KEDA_API);
    const run = validateKubernetes(k8s);
    expect(run.output).not.toMatch(/ERROR|WARN/);
    expect(run.ok).toBe(true);
    expect(run.passed).toBe(k8s.length);
  });

  it('prod: the KEDA ScaledObject validates against KEDA\'s schema and scales on the task queue backlog', () => {
    const manifests = rendered.get('deploy/overlays/prod')!;
    const scaled = one(manifests, 'ScaledObject');
    expect(() => validateKeda(scaled)).not.toThrow();
    const spec = scaled['spec'] as { scaleTargetRef: { name: string; kind: string }; minReplicaCount: number; maxReplicaCount: number; triggers: Array<{ type: string; metadata: Record<string, string> }> };
    const deployment = one(manifests, 'Deployment');
    expect(spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: deployment.metadata.name });
    expect(spec.minReplicaCount).toBeGreaterThanOrEqual(2); // a rolling drain never leaves the queue unserved
    const trigger = spec.triggers.find((t) => t.type === 'temporal');
    const config = configData(manifests);
    expect(trigger?.metadata).toMatchObject({
      endpoint: config['TEMPORAL_ADDRESS'],
      namespace: config['TEMPORAL_NAMESPACE'],
      taskQueue: config['TEMPORAL_TASK_QUEUE'],
      queueTypes: 'workflow,activity',
    });
    expect(Number(trigger?.metadata['targetQueueSize'])).toBeGreaterThan(0);
    const envNames = podSpec(deployment).containers[0]!.env?.map((e) => e.name) ?? [];
    expect(envNames).toContain(trigger?.metadata['apiKeyFromEnv']);
  });

  it('the KEDA validator rejects a malformed ScaledObject (it is not a no-op)', () => {
    const scaled = structuredClone(one(rendered.get('deploy/overlays/prod')!, 'ScaledObject'));
    (scaled['spec'] as Record<string, unknown>)['minReplicaCount'] = 'two';
    expect(() => validateKeda(scaled)).toThrow(/minReplicaCount/);
    delete (scaled['spec'] as Record<string, unknown>)['triggers'];
    expect(() => validateKeda(scaled)).toThrow(/triggers/);
  });

  it('kubernetes-validate rejects a malformed Deployment and unknown fields (strict)', () => {
    const deployment = structuredClone(one(rendered.get('deploy/overlays/prod')!, 'Deployment'));
    (podSpec(deployment) as unknown as Record<string, unknown>)['terminationGracePeriodSeconds'] = '45s';
    expect(validateKubernetes([deployment]).ok).toBe(false);
    const unknownField = structuredClone(one(rendered.get('deploy/overlays/prod')!, 'Deployment'));
    (unknownField['spec'] as Record<string, unknown>)['replica'] = 2;
    expect(validateKubernetes([unknownField]).ok).toBe(false);
  });

  it('prod-hpa: an HPA on CPU replaces the ScaledObject (never both)', () => {
    const manifests = rendered.get('deploy/overlays/prod-hpa')!;
    expect(manifests.some((m) => m.kind === 'ScaledObject')).toBe(false);
    const hpa = one(manifests, 'HorizontalPodAutoscaler');
    expect(hpa['spec']).toMatchObject({ scaleTargetRef: { kind: 'Deployment', name: 'permit-chain-worker' }, metrics: [{ type: 'Resource', resource: { name: 'cpu' } }] });
  });

  it.each(OVERLAYS)('%s: terminationGracePeriodSeconds is above WORKER_SHUTDOWN_GRACE; probes and ports match the config', (overlay) => {
    const manifests = rendered.get(overlay)!;
    const config = configData(manifests);
    const pod = podSpec(one(manifests, 'Deployment'));
    const graceMs = durationMs(config['WORKER_SHUTDOWN_GRACE']!);
    expect(graceMs).toBeGreaterThan(15_000); // longer than the order step, bounded by the 15 s permit TTL
    expect(pod.terminationGracePeriodSeconds * 1000).toBeGreaterThan(graceMs);
    const container = pod.containers[0]!;
    const portOf = (name: string) => container.ports.find((p) => p.name === name)?.containerPort;
    expect(portOf('health')).toBe(Number(config['HEALTH_PORT']));
    expect(portOf('metrics')).toBe(Number(config['METRICS_PORT']));
    expect(container.livenessProbe.httpGet).toEqual({ path: '/livez', port: 'health' });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'health' });
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    const pdb = one(manifests, 'PodDisruptionBudget');
    expect((pdb['spec'] as { selector: unknown }).selector).toEqual((one(manifests, 'Deployment')['spec'] as { selector: unknown }).selector);
  });

  it.each(['deploy/overlays/prod', 'deploy/overlays/prod-hpa'])('%s: the governor refuses plans older than MAX_PLAN_AGE_SECONDS (5 minutes)', (overlay) => {
    const config = configData(rendered.get(overlay)!);
    expect(config['MAX_PLAN_AGE_SECONDS']).toBe('300');
    // Read as the worker reads it (it throws on a malformed value).
    expect(chainSettingsFromEnv('binance-live', config).maxPlanAgeSeconds).toBe(300);
  });

  it.each(['deploy/overlays/prod', 'deploy/overlays/prod-hpa'])('%s: a drift the sweep finds pauses its symbol (DRIFT_ACTION=pause)', (overlay) => {
    const config = configData(rendered.get(overlay)!);
    expect(chainSettingsFromEnv('binance-live', config).driftAction).toBe('pause');
  });

  it('dev: no maximum plan age, like the demo (old plans such as the seed\'s can be replayed)', () => {
    expect(configData(rendered.get('deploy/overlays/dev')!)).not.toHaveProperty('MAX_PLAN_AGE_SECONDS');
  });

  it('the Secret template validates and holds placeholders only', () => {
    const secrets = parseManifests(readFileSync(join(ROOT, 'deploy/secret.template.yaml'), 'utf8'));
    const run = validateKubernetes(secrets);
    expect(run.ok, run.output).toBe(true);
    expect(run.passed).toBe(secrets.length);
    for (const secret of secrets) {
      for (const value of Object.values(secret['stringData'] as Record<string, string>)) expect(value).toMatch(/REPLACE/);
    }
    const deploymentSecretKeys = JSON.stringify(podSpec(one(rendered.get('deploy/overlays/prod')!, 'Deployment')));
    const workerSecret = secrets.find((s) => s.metadata.name === 'permit-chain-worker-secrets')!;
    for (const key of Object.keys(workerSecret['stringData'] as object)) expect(deploymentSecretKeys).toContain(key);
  });
});

describe('codec server manifests', () => {
  it('validate (strict), run the image as permitctl codec-server, and take their secrets from the template', () => {
    requireTools();
    const manifests = kustomize('deploy/codec-server').manifests;
    const run = validateKubernetes(manifests);
    expect(run.output).not.toMatch(/ERROR|WARN/);
    expect(run.ok).toBe(true);
    const container = podSpec(one(manifests, 'Deployment')).containers[0] as Container & { command: string[] };
    expect(container.command).toEqual(['node', 'bin/permitctl.js', 'codec-server']);
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
    const env = Object.fromEntries((container.env ?? []).map((e) => [e.name, e]));
    expect(Object.keys(env)).toEqual(expect.arrayContaining(['CODEC_SERVER_HOST', 'CODEC_SERVER_ORIGINS', 'PAYLOAD_CODEC_KEYS', 'CODEC_SERVER_TOKEN']));
    const secrets = parseManifests(readFileSync(join(ROOT, 'deploy/secret.template.yaml'), 'utf8'));
    const codecSecret = secrets.find((s) => s.metadata.name === 'permit-chain-codec-server-secrets')!;
    expect(Object.keys(codecSecret['stringData'] as object).sort()).toEqual(['CODEC_SERVER_TOKEN', 'PAYLOAD_CODEC_KEYS']);
    expect(one(manifests, 'Service')['spec']).toMatchObject({ ports: [{ port: 8234, targetPort: 'http' }] });
  });
});

/** Dockerfile instructions with their stage index (line continuations joined, comments dropped). */
function dockerInstructions(text: string): Array<{ stage: number; op: string; args: string }> {
  const joined = text.replace(/\\\n/g, ' ');
  let stage = -1;
  return joined
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      if (op.toUpperCase() === 'FROM') stage += 1;
      return { stage, op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const instructions = dockerInstructions(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const lastStage = Math.max(...instructions.map((i) => i.stage));
  const final = instructions.filter((i) => i.stage === lastStage);

  it('runs the same command the tests run: node bin/permitctl.js worker', () => {
    const entrypoint = final.filter((i) => i.op === 'ENTRYPOINT' || i.op === 'CMD');
    expect(entrypoint).toHaveLength(1);
    expect(entrypoint[0]!.op).toBe('ENTRYPOINT');
    expect(JSON.parse(entrypoint[0]!.args)).toEqual([...WORKER_COMMAND]);
  });

  it('is multi-stage on a glibc base, non-root, production dependencies only, with a prebuilt workflow bundle', () => {
    expect(lastStage).toBeGreaterThanOrEqual(1);
    const arg = instructions.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toMatch(/^NODE_IMAGE=node:20-bookworm-slim$/);
    expect(instructions.filter((i) => i.op === 'FROM').every((i) => !/alpine/i.test(i.args))).toBe(true);
    expect(final.find((i) => i.op === 'RUN' && i.args.includes('npm ci'))?.args).toContain('--omit=dev');
    expect(final.find((i) => i.op === 'USER')?.args).toMatch(/^[1-9]\d*(:\d+)?$/); // numeric uid: runAsNonRoot can verify it
    const env = final.filter((i) => i.op === 'ENV').map((i) => i.args).join(' ');
    const bundlePath = /WORKFLOW_BUNDLE_PATH=(\S+)/.exec(env)?.[1];
    expect(bundlePath).toBe('/app/dist/workflow-bundle.js');
    expect(final.some((i) => i.op === 'COPY' && i.args.includes('--from=build') && i.args.endsWith('./dist/workflow-bundle.js'))).toBe(true);
    expect(instructions.some((i) => i.op === 'RUN' && i.args.includes('scripts/build-workflow-bundle.ts dist/workflow-bundle.js'))).toBe(true);
  });

  it('the runtime code needs no dev dependency (the image installs with --omit=dev)', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string>; devDependencies: Record<string, string> };
    const { runtimeImports } = await import('./imports.js');
    const imports = runtimeImports(ROOT);
    expect(imports.map((i) => i.pkg)).toEqual(expect.arrayContaining(['@temporalio/worker', 'pino', 'prom-client', 'tsx']));
    const offenders = imports.filter((i) => !(i.pkg in pkg.dependencies));
    expect(offenders).toEqual([]);
    expect(pkg.dependencies).toHaveProperty('tsx'); // bin/permitctl.js runs the sources through tsx
  });
});

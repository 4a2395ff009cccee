// The whole chain in one process: Temporal (the dev server, unless TEMPORAL_ADDRESS points at a
// cluster), the paper exchange (unless another venue is configured), the store and a worker.
import { writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { NativeConnection, type Worker } from '@temporalio/worker';
import { startDevServer, type DevServer } from '../../temporal/dev-server.js';
import { loadScenarioFile, startPaperExchange, type PaperExchange, type Scenario } from '../exchange/paper/index.js';
import { chainPolicyFromEnv } from '../config/chain.js';
import { connectionOptions, temporalConfigFromEnv } from '../config/temporal.js';
import { openInstrumentedServices, type ChainServices } from '../workers/chain-services.js';
import { createChainMetrics, type ChainMetrics } from '../workers/metrics.js';
import { RedisPlanBridge } from '../intake/redis-bridge.js';
import { permitMirrorFromEnv } from '../store/redis-permit-mirror.js';
import { installTemporalRuntime } from '../workers/runtime.js';
import { redisUrlFromEnv } from '../config/bridge.js';
import { venueNameFromEnv } from '../config/exchange.js';
import type { Env } from '../config/settings.js';
import { storeConfigFromEnv } from '../config/store.js';
import { workflowBundlePathFromEnv } from '../config/worker.js';
import { stackFilePath, type StackFile } from './stack-file.js';
import { createPlanWorker, loadWorkflowBundle } from '../workers/plan-worker.js';
import type { ChainPolicy } from '../domain/chain-policy.js';
import { dataConverterFromEnv } from '../codec/data-converter.js';
import type { CodecServer } from '../codec/codec-server.js';
import { freePort } from '../workers/ports.js';
import { startUiCodecServer } from './ui-codec.js';
import { payloadCodecConfigFromEnv } from '../config/codec.js';

export interface StackOptions {
  dataDir: string;
  scenarioPath: string;
  env?: Env;
  /** Web UI port of the dev server: 0 picks a free one (default 8233 when free is not asked for). */
  uiPort?: number | false;
  temporalPort?: number;
  /** Where stack.json is written for other permitctl processes to find (default: dataDir). */
  announceDir?: string;
  /** Port of the paper exchange (default 0: any free port; `up` fixes it, 8899 by default). */
  paperPort?: number;
  /** Keep the paper exchange's state in this file between runs (`up`: <data dir>/paper-state.json). */
  paperStatePath?: string;
}

export interface EmbeddedStack {
  client: Client;
  namespace: string;
  taskQueue: string;
  temporalAddress: string;
  uiUrl: string | null;
  paper: PaperExchange | null;
  services: ChainServices;
  /** The project's metrics of this stack's worker (permit decisions, exchange calls), as a pod's /metrics has them. */
  metrics: ChainMetrics;
  worker: Worker;
  policy: ChainPolicy;
  /** True: `client` shares the worker's connection, so plans started through it may ask for eager start. */
  eagerStart: boolean;
  /** The Redis plan bridge, running when REDIS_URL is set. */
  bridge: RedisPlanBridge | null;
  /** The codec server the Web UI decodes payloads through: running when the stack has payload keys and a UI. */
  codecServerUrl: string | null;
  stop(): Promise<void>;
}

async function startPaperOn(opts: StackOptions, scenario: Scenario): Promise<PaperExchange> {
  const port = opts.paperPort ?? 0;
  try {
    return await startPaperExchange({ port, scenario, ...(opts.paperStatePath ? { statePath: opts.paperStatePath } : {}) });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') throw new Error(`the paper exchange's port ${port} is taken: choose another with --paper-port N (0: any free port)`);
    throw err;
  }
}

export async function startEmbeddedStack(opts: StackOptions): Promise<EmbeddedStack> {
  const env = opts.env;
  installTemporalRuntime(env);
  mkdirSync(opts.dataDir, { recursive: true });
  const temporalCfg = temporalConfigFromEnv(env);
  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
  };
  try {
    let devServer: DevServer | null = null;
    let codecServer: CodecServer | null = null;
    if (!temporalCfg.address) {
      // With a codec server the UI's port is fixed first: the codec server allows that origin only.
      const withCodec = opts.uiPort !== false && payloadCodecConfigFromEnv(env).keys.length > 0;
      const uiPort = withCodec ? opts.uiPort || (await freePort()) : (opts.uiPort ?? 0);
      codecServer = withCodec && uiPort !== false ? await startUiCodecServer(env, uiPort) : null;
      if (codecServer) cleanups.push(() => codecServer!.close());
      devServer = await startDevServer({ dataDir: join(opts.dataDir, 'temporal'), port: opts.temporalPort ?? 0, uiPort, ...(codecServer ? { uiCodecEndpoint: codecServer.url } : {}) });
      cleanups.push(() => devServer!.stop());
    }
    const address = temporalCfg.address ?? devServer!.address;
    const chosen = venueNameFromEnv(env);
    const usePaper = chosen.venue === 'paper' && chosen.paperUrl === null;
    const paper = usePaper ? await startPaperOn(opts, await loadScenarioFile(opts.scenarioPath)) : null;
    if (paper) cleanups.push(() => paper.close());
    const mirror = permitMirrorFromEnv(env);
    if (mirror) cleanups.push(() => mirror.close());
    const cfg = { ...temporalCfg, address };
    const nativeConnection = await NativeConnection.connect(connectionOptions(cfg));
    cleanups.push(() => nativeConnection.close());
    // One connection for client and worker: plans this process starts can be started eagerly on its worker.
    const dataConverter = dataConverterFromEnv(env);
    const client = new Client({ connection: nativeConnection, namespace: cfg.namespace, dataConverter });
    // The worker's own activity stack, instrumentation included: `up`, `demo` and the bench run what a pod runs.
    const metrics = createChainMetrics({ defaultMetrics: false });
    const services = await openInstrumentedServices(env, {
      metrics,
      client,
      store: { ...storeConfigFromEnv(env), dataDir: opts.dataDir },
      ...(paper ? { venue: { baseUrl: paper.url } } : {}),
      ...(mirror ? { mirror } : {}),
    });
    cleanups.push(() => services.close());
    const worker = await createPlanWorker({
      connection: nativeConnection,
      namespace: cfg.namespace,
      taskQueue: cfg.taskQueue,
      activities: services.activities,
      bundle: await loadWorkflowBundle(workflowBundlePathFromEnv(env)),
      dataConverter,
    });
    const running = worker.run();
    cleanups.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    });
    const policy = chainPolicyFromEnv(env);
    const bridge = redisUrlFromEnv(env) !== null ? new RedisPlanBridge({ temporal: { client, taskQueue: cfg.taskQueue, policy, eager: true }, env }) : null;
    if (bridge) {
      bridge.start();
      cleanups.push(() => bridge.stop());
    }
    const uiUrl = devServer?.uiUrl ?? temporalCfg.uiUrl;
    const file: StackFile = { pid: process.pid, temporalAddress: address, namespace: cfg.namespace, taskQueue: cfg.taskQueue, uiUrl, paperUrl: paper?.url ?? null };
    const announceDir = opts.announceDir ?? opts.dataDir;
    mkdirSync(announceDir, { recursive: true });
    writeFileSync(stackFilePath(announceDir), JSON.stringify(file, null, 2));
    cleanups.push(async () => rmSync(stackFilePath(announceDir), { force: true }));
    return {
      client,
      namespace: cfg.namespace,
      taskQueue: cfg.taskQueue,
      temporalAddress: address,
      uiUrl,
      paper,
      services,
      metrics,
      worker,
      policy,
      eagerStart: true,
      bridge,
      codecServerUrl: codecServer?.url ?? null,
      stop: stopAll,
    };
  } catch (err) {
    await stopAll();
    throw err;
  }
}

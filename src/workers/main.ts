// The worker process of a pod (`permitctl worker`): configuration from the environment only, runs until
// SIGTERM/SIGINT, then lets in-flight activities (an order on its way) finish before exiting.
import { NativeConnection } from '@temporalio/worker';
import { connectionOptions, temporalConfigFromEnv } from '../runtime/temporal-config.js';
import { openChainServices } from './chain-services.js';
import { installTemporalRuntime } from './runtime.js';
import { createPlanWorker, loadWorkflowBundle } from './plan-worker.js';

export interface WorkerProcessOptions {
  env?: NodeJS.ProcessEnv;
  log?: (line: string) => void;
}

export async function runWorkerProcess(opts: WorkerProcessOptions = {}): Promise<void> {
  const env = opts.env ?? process.env;
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const cfg = temporalConfigFromEnv(env);
  installTemporalRuntime(env);
  const address = cfg.address ?? '127.0.0.1:7233';
  const services = await openChainServices(env);
  try {
    const connection = await NativeConnection.connect(connectionOptions({ ...cfg, address }));
    try {
      const worker = await createPlanWorker({
        connection,
        namespace: cfg.namespace,
        taskQueue: cfg.taskQueue,
        activities: services.activities,
        bundle: await loadWorkflowBundle(env),
        shutdownGraceTime: env.WORKER_SHUTDOWN_GRACE ?? '30s',
        maxConcurrentActivityTaskExecutions: Number(env.WORKER_MAX_CONCURRENT_ACTIVITIES ?? 100),
        maxConcurrentWorkflowTaskExecutions: Number(env.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS ?? 100),
      });
      log(`worker ready: task queue ${cfg.taskQueue} on ${address} (namespace ${cfg.namespace}, venue ${services.settings.venueName}, store ${services.store.kind})`);
      // The SDK's runtime turns SIGINT/SIGTERM into worker.shutdown(): polling stops, in-flight work finishes.
      await worker.run();
      log('worker stopped: in-flight activities finished');
    } finally {
      await connection.close();
    }
  } finally {
    await services.close();
  }
}

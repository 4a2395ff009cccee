// How a permitctl command finds Temporal: TEMPORAL_ADDRESS (a cluster), else the embedded stack that
// `permitctl up` or `demo` announced in <data dir>/stack.json.
import { existsSync, readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { connectionOptions, temporalConfigFromEnv } from '../config/temporal.js';
import { stackFilePath, type StackFile } from '../stack/stack-file.js';
import { dataDirFromEnv } from '../config/store.js';
import type { Env } from '../config/settings.js';
import { CliError } from './errors.js';
import { dataConverterFromEnv } from '../codec/data-converter.js';

export interface CliTemporal {
  client: Client;
  namespace: string;
  taskQueue: string;
  uiUrl: string | null;
  close(): Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function runningStack(env: Env | undefined): StackFile | null {
  const file = stackFilePath(dataDirFromEnv(env));
  if (!existsSync(file)) return null;
  const stack = JSON.parse(readFileSync(file, 'utf8')) as StackFile;
  return isAlive(stack.pid) ? stack : null;
}

export async function connectTemporal(env?: Env): Promise<CliTemporal> {
  const cfg = temporalConfigFromEnv(env);
  const stack = cfg.address ? null : runningStack(env);
  const address = cfg.address ?? stack?.temporalAddress;
  if (!address) {
    throw new CliError('no Temporal to talk to: start the embedded stack with `permitctl up`, or set TEMPORAL_ADDRESS');
  }
  const connection = await Connection.connect({ ...connectionOptions({ ...cfg, address }), connectTimeout: 5000 }).catch((err: unknown) => {
    throw new CliError(`cannot reach Temporal at ${address} (namespace ${cfg.namespace}): ${err instanceof Error ? err.message : String(err)}; nothing was started or changed`);
  });
  return {
    client: new Client({ connection, namespace: cfg.namespace, dataConverter: dataConverterFromEnv(env) }),
    namespace: cfg.namespace,
    taskQueue: stack?.taskQueue ?? cfg.taskQueue,
    uiUrl: cfg.uiUrl ?? stack?.uiUrl ?? null,
    close: () => connection.close(),
  };
}

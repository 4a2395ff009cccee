// Where Temporal is and how to reach it, from the environment only (pods get it from a ConfigMap/Secret).
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { secretFromEnv } from './secrets.js';

export interface TemporalConfig {
  /** host:port; null means "no cluster given": `up`/`demo` start the embedded dev server. */
  address: string | null;
  namespace: string;
  taskQueue: string;
  apiKey: string | null;
  tls: TLSConfig | boolean;
}

export const DEFAULT_TASK_QUEUE = 'permit-chain';

function tlsFromEnv(env: NodeJS.ProcessEnv, apiKey: string | null): TLSConfig | boolean {
  const cert = env.TEMPORAL_TLS_CERT;
  const key = env.TEMPORAL_TLS_KEY;
  if (Boolean(cert) !== Boolean(key)) throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS client certificate and key files)');
  const ca = env.TEMPORAL_TLS_CA;
  const serverName = env.TEMPORAL_TLS_SERVER_NAME;
  if (cert && key) {
    return {
      clientCertPair: { crt: readFileSync(cert), key: readFileSync(key) },
      ...(ca ? { serverRootCACertificate: readFileSync(ca) } : {}),
      ...(serverName ? { serverNameOverride: serverName } : {}),
    };
  }
  const wanted = env.TEMPORAL_TLS ? env.TEMPORAL_TLS === 'true' : apiKey !== null;
  if (!wanted) return false;
  return ca || serverName ? { ...(ca ? { serverRootCACertificate: readFileSync(ca) } : {}), ...(serverName ? { serverNameOverride: serverName } : {}) } : true;
}

export function temporalConfigFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalConfig {
  const apiKey = secretFromEnv(env, 'TEMPORAL_API_KEY') ?? null;
  return {
    address: env.TEMPORAL_ADDRESS || null,
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    apiKey,
    tls: tlsFromEnv(env, apiKey),
  };
}

/** Options shared by Connection (client) and NativeConnection (worker). */
export function connectionOptions(cfg: TemporalConfig & { address: string }) {
  return { address: cfg.address, tls: cfg.tls, ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}) };
}

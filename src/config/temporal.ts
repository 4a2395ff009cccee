// Where Temporal is and how to reach it (pods get it from a ConfigMap/Secret).
import { readFileSync } from 'node:fs';
import type { TLSConfig } from '@temporalio/client';
import { ConfigError, readSettingsOf, type Env, type Settings } from './settings.js';

export interface TemporalConfig {
  /** host:port; null means "no cluster given": `up`/`demo` start the embedded dev server. */
  address: string | null;
  namespace: string;
  taskQueue: string;
  apiKey: string | null;
  tls: TLSConfig | boolean;
  /** The Web UI address operators are shown (the embedded stack announces its own). */
  uiUrl: string | null;
}

type TemporalSettings = Pick<Settings, 'TEMPORAL_TLS' | 'TEMPORAL_API_KEY' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_SERVER_NAME'>;

/** A TLS file named by a setting: read only when TLS is on, and an unreadable one names its variable. */
function tlsFile(name: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`cannot read ${name} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

function tlsFrom(s: TemporalSettings): TLSConfig | boolean {
  const { TEMPORAL_TLS_CERT: cert, TEMPORAL_TLS_KEY: key, TEMPORAL_TLS_CA: ca, TEMPORAL_TLS_SERVER_NAME: serverName } = s;
  if (Boolean(cert) !== Boolean(key)) throw new ConfigError('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together (mTLS client certificate and key files)');
  const server = () => ({ ...(ca ? { serverRootCACertificate: tlsFile('TEMPORAL_TLS_CA', ca) } : {}), ...(serverName ? { serverNameOverride: serverName } : {}) });
  if (cert && key) return { clientCertPair: { crt: tlsFile('TEMPORAL_TLS_CERT', cert), key: tlsFile('TEMPORAL_TLS_KEY', key) }, ...server() };
  const wanted = s.TEMPORAL_TLS ?? s.TEMPORAL_API_KEY !== undefined;
  if (!wanted) return false;
  return ca || serverName ? server() : true;
}

export function temporalConfigFromEnv(env: Env = process.env): TemporalConfig {
  const s = readSettingsOf(env, [
    'TEMPORAL_ADDRESS',
    'TEMPORAL_NAMESPACE',
    'TEMPORAL_TASK_QUEUE',
    'TEMPORAL_API_KEY',
    'TEMPORAL_TLS',
    'TEMPORAL_TLS_CERT',
    'TEMPORAL_TLS_KEY',
    'TEMPORAL_TLS_CA',
    'TEMPORAL_TLS_SERVER_NAME',
    'TEMPORAL_UI_URL',
  ]);
  return {
    address: s.TEMPORAL_ADDRESS ?? null,
    namespace: s.TEMPORAL_NAMESPACE,
    taskQueue: s.TEMPORAL_TASK_QUEUE,
    apiKey: s.TEMPORAL_API_KEY ?? null,
    tls: tlsFrom(s),
    uiUrl: s.TEMPORAL_UI_URL ?? null,
  };
}

/** Options shared by Connection (client) and NativeConnection (worker). */
export function connectionOptions(cfg: TemporalConfig & { address: string }) {
  return { address: cfg.address, tls: cfg.tls, ...(cfg.apiKey ? { apiKey: cfg.apiKey } : {}) };
}

// Where the ledger is: PostgreSQL (DATABASE_URL) or embedded PGlite files under the data directory.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readSettingsOf, type Env } from './settings.js';

export interface StoreConfig {
  /** postgres://... → PostgreSQL through `pg`. */
  databaseUrl?: string;
  /** Embedded PGlite files go in `${dataDir}/ledger`. Used when databaseUrl is not set. */
  dataDir?: string;
  /** Postgres schema to use (tests use a fresh one per run); default public. */
  schema?: string;
}

export function storeConfigFromEnv(env: Env = process.env): StoreConfig {
  const s = readSettingsOf(env, ['DATABASE_URL', 'DATABASE_SCHEMA']);
  return {
    ...(s.DATABASE_URL !== undefined ? { databaseUrl: s.DATABASE_URL } : {}),
    dataDir: dataDirFromEnv(env),
    ...(s.DATABASE_SCHEMA !== undefined ? { schema: s.DATABASE_SCHEMA } : {}),
  };
}

/** PERMIT_CHAIN_DATA_DIR, else `.data` in the project: the embedded ledger, the dev server's data, stack.json. */
export function dataDirFromEnv(env: Env = process.env): string {
  return readSettingsOf(env, ['PERMIT_CHAIN_DATA_DIR']).PERMIT_CHAIN_DATA_DIR ?? defaultDataDir();
}

export function defaultDataDir(): string {
  return join(repoRoot(), '.data');
}

/** Nearest folder with a package.json above this file: works from src/ (tsx) and from dist/ alike. */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) return process.cwd();
    dir = parent;
  }
  return dir;
}

import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface StoreConfig {
  /** postgres://... → PostgreSQL through `pg`. */
  databaseUrl?: string;
  /** Embedded PGlite files go in `${dataDir}/ledger`. Used when databaseUrl is not set. */
  dataDir?: string;
  /** Postgres schema to use (tests use a fresh one per run); default public. */
  schema?: string;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export function storeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreConfig {
  const cfg: StoreConfig = { dataDir: nonEmpty(env.PERMIT_CHAIN_DATA_DIR) ?? defaultDataDir() };
  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (databaseUrl !== undefined) cfg.databaseUrl = databaseUrl;
  const schema = nonEmpty(env.DATABASE_SCHEMA);
  if (schema !== undefined) cfg.schema = schema;
  return cfg;
}

export function defaultDataDir(): string {
  return join(repoRoot(), '.data');
}

/** The schema name is interpolated into SQL (search_path, CREATE SCHEMA), so only plain identifiers pass. */
export function validSchemaName(cfg: StoreConfig): string {
  const schema = cfg.schema ?? 'public';
  if (!SCHEMA_NAME.test(schema)) {
    throw new Error(`invalid schema name ${JSON.stringify(schema)}: use lower-case letters, digits and _ (max 63)`);
  }
  return schema;
}

export function embeddedLedgerDir(dataDir: string): string {
  return join(resolve(dataDir), 'ledger');
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
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

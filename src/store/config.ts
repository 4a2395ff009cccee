// What the store makes of its settings: a safe schema name, the embedded ledger's folder.
import { join, resolve } from 'node:path';
import type { StoreConfig } from '../config/store.js';

export type { StoreConfig };

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

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

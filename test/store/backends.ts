import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { StoreConfig } from '../../src/store/index.js';

/** A database the shared suite runs against; each isolated config is a fresh, empty database. */
export interface Backend {
  readonly name: 'postgres' | 'embedded';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  sharedConfig(): StoreConfig;
  isolatedConfig(): Promise<StoreConfig>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function postgresBackend(): Backend {
  const schemas: string[] = [];
  const newSchema = () => {
    const schema = `t_${randomBytes(6).toString('hex')}`;
    schemas.push(schema);
    return schema;
  };
  let shared = '';
  return {
    name: 'postgres',
    // Fails (never skips) when PostgreSQL is unreachable: the whole suite errors in beforeAll.
    setup: async () => {
      await withClient(async (client) => {
        await client.query('SELECT 1');
      });
      shared = newSchema();
    },
    teardown: async () => {
      if (schemas.length === 0) return; // setup never reached the server
      await withClient(async (client) => {
        for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      });
    },
    sharedConfig: () => ({ databaseUrl: TEST_DATABASE_URL, schema: shared }),
    isolatedConfig: async () => ({ databaseUrl: TEST_DATABASE_URL, schema: newSchema() }),
  };
}

export function embeddedBackend(): Backend {
  let root = '';
  let count = 0;
  return {
    name: 'embedded',
    setup: async () => {
      root = await mkdtemp(join(tmpdir(), 'permit-chain-store-'));
    },
    teardown: () => rm(root, { recursive: true, force: true }),
    sharedConfig: () => ({ dataDir: join(root, 'shared') }),
    isolatedConfig: async () => ({ dataDir: join(root, `isolated-${++count}`) }),
  };
}

export async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { openStore, type Store, type StoreConfig } from '../../src/store/index.js';
import { checkPostgres, dropSchema, newSchemaName, TEST_DATABASE_URL } from '../support/postgres.js';

/** A database the shared suite runs against; each isolated config is a fresh, empty database. */
export interface Backend {
  readonly name: 'postgres' | 'embedded';
  setup(): Promise<void>;
  teardown(): Promise<void>;
  sharedConfig(): StoreConfig;
  isolatedConfig(): Promise<StoreConfig>;
}

export function postgresBackend(): Backend {
  const schemas: string[] = [];
  const newSchema = () => {
    const schema = newSchemaName();
    schemas.push(schema);
    return schema;
  };
  let shared = '';
  return {
    name: 'postgres',
    // Fails (never skips) when PostgreSQL is unreachable: the whole suite errors in beforeAll.
    setup: async () => {
      await checkPostgres();
      shared = newSchema();
    },
    teardown: async () => {
      if (schemas.length === 0) return; // setup never reached the server
      for (const schema of schemas) await dropSchema(schema);
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

/**
 * Opens two stores on the backend's shared database for a describe block (two pools on PostgreSQL, so that
 * two "workers" race for real; one store twice on the embedded backend, which allows one process) and
 * hands them over; a set-up failure fails every test of the block instead of skipping it.
 */
export function useTwoStores(backend: Backend, opened: (store: Store, second: Store) => void): void {
  let store: Store | undefined;
  let second: Store | undefined;
  let setupError: unknown;

  beforeAll(async () => {
    try {
      await backend.setup();
      store = await openStore(backend.sharedConfig());
      second = backend.name === 'postgres' ? await openStore(backend.sharedConfig()) : store;
      opened(store, second);
    } catch (err) {
      setupError = err;
    }
  });

  beforeEach(() => {
    if (setupError !== undefined) throw setupError;
  });

  afterAll(async () => {
    if (second !== store) await second?.close();
    await store?.close();
    await backend.teardown();
  });
}

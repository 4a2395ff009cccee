// A fresh PostgreSQL schema per test file (the server on 127.0.0.1:5432, database `test`).
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export function newSchemaName(): string {
  return `t_${randomBytes(6).toString('hex')}`;
}

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Fails (never skips) when PostgreSQL is unreachable. */
export async function checkPostgres(): Promise<void> {
  await withClient((c) => c.query('SELECT 1'));
}

export async function dropSchema(schema: string): Promise<void> {
  if (!/^t_[0-9a-f]{12}$/.test(schema)) throw new Error(`refusing to drop schema ${schema}`);
  await withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

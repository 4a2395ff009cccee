import pg from 'pg';
import { runInTransaction, type Db, type Queryable } from './db.js';

export function openPostgresDb(databaseUrl: string, schema: string): Db {
  const pool = new pg.Pool({
    connectionString: databaseUrl,
    // Every connection of the pool resolves unqualified names in the configured schema.
    options: `-c search_path=${schema}`,
  });
  // An idle client dropped by the server emits 'error' on the pool; unhandled it would crash the
  // process. The pool discards that client and the next query opens a new connection.
  pool.on('error', () => undefined);

  const withSession = async <T>(fn: (session: Queryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await fn(clientQueryable(client));
    } catch (err) {
      // The session may hold a lock or an open transaction: destroy it rather than pool it.
      broken = err instanceof Error ? err : new Error(String(err));
      throw err;
    } finally {
      client.release(broken);
    }
  };

  const transaction = async <T>(fn: (tx: Queryable) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      return await runInTransaction(clientQueryable(client), fn, () => {
        broken = new Error('ROLLBACK failed: connection discarded');
      });
    } finally {
      client.release(broken);
    }
  };

  return {
    kind: 'postgres',
    query: async <R extends object>(text: string, params?: readonly unknown[]) =>
      (await pool.query(text, params as unknown[] | undefined)).rows as R[],
    exec: async (text: string) => {
      await pool.query(text);
    },
    withSession,
    transaction,
    close: () => pool.end(),
  };
}

function clientQueryable(client: pg.PoolClient): Queryable {
  return {
    query: async <R extends object>(text: string, params?: readonly unknown[]) =>
      (await client.query(text, params as unknown[] | undefined)).rows as R[],
    exec: async (text: string) => {
      await client.query(text);
    },
  };
}

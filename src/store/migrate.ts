import type { Db, Queryable } from './db.js';
import { runInTransaction } from './db.js';
import { migrations as allMigrations, type Migration } from './migrations.js';

/**
 * Applies pending migrations. A session-level advisory lock serializes concurrent starters
 * (several workers booting at once on one PostgreSQL); the later ones find nothing to do.
 */
export async function migrate(db: Db, schema: string, migrations: readonly Migration[] = allMigrations): Promise<number[]> {
  return db.withSession(async (session) => {
    await session.query('SELECT pg_advisory_lock(hashtext($1), hashtext($2))', ['permit-chain:migrate', schema]);
    try {
      // Inside the lock: concurrent CREATE SCHEMA IF NOT EXISTS can still fail on a unique index.
      await session.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await session.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
        version    integer     PRIMARY KEY,
        name       text        NOT NULL,
        applied_at timestamptz NOT NULL DEFAULT now()
      )`);
      const applied = await appliedVersions(session);
      const pending = migrations.filter((m) => !applied.has(m.version));
      for (const migration of pending) await applyOne(session, migration);
      return pending.map((m) => m.version);
    } finally {
      await session.query('SELECT pg_advisory_unlock(hashtext($1), hashtext($2))', ['permit-chain:migrate', schema]);
    }
  });
}

async function appliedVersions(session: Queryable): Promise<Set<number>> {
  const rows = await session.query<{ version: number }>('SELECT version FROM schema_migrations');
  return new Set(rows.map((r) => Number(r.version)));
}

function applyOne(session: Queryable, migration: Migration): Promise<void> {
  return runInTransaction(session, async (tx) => {
    await tx.exec(migration.sql);
    await tx.query('INSERT INTO schema_migrations (version, name) VALUES ($1, $2)', [migration.version, migration.name]);
  });
}

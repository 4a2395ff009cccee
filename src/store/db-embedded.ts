import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { runInTransaction, type Db, type Queryable } from './db.js';
import { acquireProcessLock } from './embedded-lock.js';
import { Mutex } from './mutex.js';

/** One PGlite instance per data directory in this process, shared by every Store opened on it. */
interface SharedInstance {
  readonly ready: Promise<{ pglite: PGlite; releaseLock: () => Promise<void> }>;
  /** PGlite has a single connection: a transaction must not interleave with other statements. */
  readonly mutex: Mutex;
  refs: number;
  searchPath: string | null;
}

const instances = new Map<string, SharedInstance>();

export function openEmbeddedDb(ledgerDir: string, schema: string): Db {
  const shared = acquireInstance(ledgerDir);
  let closed = false;

  const withSession = <T>(fn: (session: Queryable) => Promise<T>): Promise<T> =>
    shared.mutex.run(async () => {
      if (closed) throw new Error('store is closed');
      const { pglite } = await shared.ready;
      // Several Stores with different schemas may share this one connection.
      if (shared.searchPath !== schema) {
        await pglite.exec(`SET search_path TO ${schema}`);
        shared.searchPath = schema;
      }
      return fn(pgliteQueryable(pglite));
    });

  return {
    kind: 'embedded',
    query: (text, params) => withSession((s) => s.query(text, params)),
    exec: (text) => withSession((s) => s.exec(text)),
    withSession,
    transaction: (fn) => withSession((session) => runInTransaction(session, fn)),
    close: async () => {
      if (closed) return;
      closed = true;
      await releaseInstance(ledgerDir, shared);
    },
  };
}

function acquireInstance(ledgerDir: string): SharedInstance {
  const existing = instances.get(ledgerDir);
  if (existing) {
    existing.refs += 1;
    return existing;
  }
  const shared: SharedInstance = { ready: startInstance(ledgerDir), mutex: new Mutex(), refs: 1, searchPath: null };
  instances.set(ledgerDir, shared);
  // A failed start must not poison the directory for the next attempt.
  shared.ready.catch(() => instances.get(ledgerDir) === shared && instances.delete(ledgerDir));
  return shared;
}

async function startInstance(ledgerDir: string): Promise<{ pglite: PGlite; releaseLock: () => Promise<void> }> {
  await mkdir(ledgerDir, { recursive: true });
  const releaseLock = await acquireProcessLock(`${dirname(ledgerDir)}/ledger.lock`);
  try {
    const pglite = await PGlite.create({ dataDir: ledgerDir });
    return { pglite, releaseLock };
  } catch (err) {
    await releaseLock();
    throw err;
  }
}

async function releaseInstance(ledgerDir: string, shared: SharedInstance): Promise<void> {
  shared.refs -= 1;
  if (shared.refs > 0) return;
  if (instances.get(ledgerDir) === shared) instances.delete(ledgerDir);
  // Wait for statements already queued by other handles before closing.
  await shared.mutex.run(async () => {
    const { pglite, releaseLock } = await shared.ready;
    await pglite.close();
    await releaseLock();
  });
}

function pgliteQueryable(pglite: PGlite): Queryable {
  return {
    query: async <R extends object>(text: string, params?: readonly unknown[]) =>
      (await pglite.query<R>(text, params as unknown[] | undefined)).rows,
    exec: async (text: string) => {
      await pglite.exec(text);
    },
  };
}

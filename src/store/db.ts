/** The small surface the store needs from a database; implemented over a pg Pool and over PGlite. */
export interface Queryable {
  /** One statement, $1..$n parameters. Row shape is the caller's claim (drivers return untyped rows). */
  query<R extends object>(text: string, params?: readonly unknown[]): Promise<R[]>;
  /** Several statements, no parameters (migrations). */
  exec(text: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'postgres' | 'embedded';
  /** Run `fn` on one dedicated connection (session-level locks, explicit transactions). */
  withSession<T>(fn: (session: Queryable) => Promise<T>): Promise<T>;
  /** Run `fn` inside BEGIN … COMMIT on one connection; ROLLBACK if it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** `onRollbackFailure` learns that the connection is in an unknown state and must not be reused. */
export async function runInTransaction<T>(
  session: Queryable,
  fn: (tx: Queryable) => Promise<T>,
  onRollbackFailure: () => void = () => undefined,
): Promise<T> {
  try {
    await session.exec('BEGIN');
    const result = await fn(session);
    await session.exec('COMMIT');
    return result;
  } catch (err) {
    await session.exec('ROLLBACK').catch(onRollbackFailure); // rethrow the original error, not the rollback's
    throw err;
  }
}

/** First row or undefined, typed. */
export async function queryOne<R extends object>(q: Queryable, text: string, params?: readonly unknown[]): Promise<R | undefined> {
  const rows = await q.query<R>(text, params);
  return rows[0];
}

export async function queryExactlyOne<R extends object>(q: Queryable, text: string, params?: readonly unknown[]): Promise<R> {
  const row = await queryOne<R>(q, text, params);
  if (row === undefined) throw new Error(`expected one row from: ${text.trim().split('\n')[0]}`);
  return row;
}

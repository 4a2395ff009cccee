import { open, readFile, unlink } from 'node:fs/promises';

/**
 * PGlite is a single-process database: two processes on the same files corrupt them.
 * A pid file next to the data directory makes a second process fail with a clear message.
 */
export async function acquireProcessLock(lockPath: string): Promise<() => Promise<void>> {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      return () => unlink(lockPath).catch(() => undefined);
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
      const holder = Number((await readFile(lockPath, 'utf8').catch(() => '')).trim());
      if (holder !== process.pid && isAlive(holder)) {
        throw new Error(
          `embedded ledger is in use by process ${holder} (${lockPath}); ` +
            'only one process may open it, set DATABASE_URL to share a ledger between processes',
        );
      }
      await unlink(lockPath).catch(() => undefined); // stale: its process is gone
    }
  }
  throw new Error(`could not take the embedded ledger lock ${lockPath}`);
}

function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return isErrno(err, 'EPERM'); // exists but belongs to another user
  }
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}

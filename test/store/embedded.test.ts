import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storeConfigFromEnv } from '../../src/config/store.js';
import { openStore } from '../../src/store/index.js';

describe('store configuration', () => {
  it('reads DATABASE_URL, PERMIT_CHAIN_DATA_DIR and DATABASE_SCHEMA', () => {
    expect(storeConfigFromEnv({ DATABASE_URL: 'postgres://u@h/db', PERMIT_CHAIN_DATA_DIR: '/var/pc', DATABASE_SCHEMA: 'pc' })).toEqual({
      databaseUrl: 'postgres://u@h/db',
      dataDir: '/var/pc',
      schema: 'pc',
    });
  });

  it('defaults to the embedded ledger in <repo>/.data', () => {
    expect(storeConfigFromEnv({})).toEqual({ dataDir: resolve(dirname(fileURLToPath(import.meta.url)), '../../.data') });
  });

  it('refuses a schema name that is not a plain identifier', async () => {
    await expect(openStore({ dataDir: '/nonexistent', schema: 'x; DROP TABLE y' })).rejects.toThrow(/invalid schema name/);
  });
});

describe('embedded ledger', () => {
  let root = '';
  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'permit-chain-embedded-'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it('refuses to open files another live process holds', async () => {
    const dataDir = join(root, 'held');
    const holder = spawn('sleep', ['60'], { stdio: 'ignore' });
    try {
      await mkdir(dataDir, { recursive: true });
      await writeFile(join(dataDir, 'ledger.lock'), String(holder.pid));
      await expect(openStore({ dataDir })).rejects.toThrow(new RegExp(`in use by process ${holder.pid}`));
    } finally {
      holder.kill();
    }
  });

  it('takes over a lock left by a process that is gone', async () => {
    const dataDir = join(root, 'stale');
    const gone = spawn('true');
    await new Promise((done) => gone.on('exit', done));
    await mkdir(dataDir, { recursive: true });
    await writeFile(join(dataDir, 'ledger.lock'), String(gone.pid));
    const store = await openStore({ dataDir });
    expect(store.kind).toBe('embedded');
    await store.close();
  });

  it('shares one PGlite instance between Stores of one process and closes it with the last', async () => {
    const dataDir = join(root, 'shared');
    const [a, b] = await Promise.all([openStore({ dataDir }), openStore({ dataDir })]);
    await a.bookFill({
      venue: 'paper', symbol: 'BTCUSDT', planId: 'p1', clientOrderId: 'c1', exchangeOrderId: 'e1',
      side: 'BUY', qty: '0.062', price: '100000', filledAt: '2026-01-25T00:30:09.000Z',
    });
    await a.close();
    expect(await b.ledgerPosition('paper', 'BTCUSDT')).toBe('0.062'); // b still works after a closed
    await b.close();
    await expect(b.ledgerPosition('paper', 'BTCUSDT')).rejects.toThrow(/closed/);

    const reopened = await openStore({ dataDir });
    expect(await reopened.ledgerPosition('paper', 'BTCUSDT')).toBe('0.062');
    await reopened.close();
  });
});

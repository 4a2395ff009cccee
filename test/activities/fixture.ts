// What the activity tests share: the seed paper exchange (real ccxt over HTTP), a venue on it and a store
// in a fresh PostgreSQL schema whose BTCUSDT ledger matches the exchange; set up and torn down per file.
import { afterAll, beforeAll } from 'vitest';
import { createVenue } from '../../src/exchange/ccxt-venue.js';
import type { PaperExchange } from '../../src/exchange/paper/index.js';
import type { Venue } from '../../src/exchange/venue.js';
import { openStore, type Store } from '../../src/store/index.js';
import { paperConfig, startSeedPaper } from '../exchange/helpers.js';
import { checkPostgres, dropSchema, newSchemaName, TEST_DATABASE_URL } from '../support/postgres.js';
import type { ChainSettings } from '../../src/domain/chain-policy.js';

export const activitySettings: ChainSettings = {
  venueName: 'paper', ttlSeconds: 15, maxOrderNotional: null, maxPlanAgeSeconds: null, defaultTolerance: '0.001', tolerances: {},
  clockSkewBoundMs: 1000, settleBoundMs: 2000, driftAction: 'record',
};

export interface ActivityFixture {
  paper: PaperExchange;
  venue: Venue;
  store: Store;
  schema: string;
}

/** Registers this file's beforeAll/afterAll; the returned object is filled in before the first test. */
export function useActivityFixture(venueTimeoutMs = 3000): ActivityFixture {
  const fx = { schema: newSchemaName() } as ActivityFixture;
  beforeAll(async () => {
    await checkPostgres();
    fx.paper = await startSeedPaper();
    fx.venue = createVenue(paperConfig(fx.paper, { timeoutMs: venueTimeoutMs }));
    fx.store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema: fx.schema });
    await fx.store.adjustLedger({ venue: 'paper', symbol: 'BTCUSDT', target: '0.062', who: 'test', why: 'match the exchange', command: 'test' });
  });
  afterAll(async () => {
    await fx.store?.close();
    await fx.venue?.close();
    await fx.paper?.close();
    await dropSchema(fx.schema);
  });
  return fx;
}

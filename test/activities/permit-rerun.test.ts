// A permit step run twice for the same permit id (a retry, or a local activity run again because its
// workflow task never completed) answers with the permit as first recorded: the order's deadline and
// recvWindow must come from the expiry the permit log enforces, not from a later re-computation.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPlanActivities, type ChainSettings } from '../../src/activities/plan-activities.js';
import type { PermitRequest } from '../../src/activities/types.js';
import type { GovernorPermit, PositionPermit } from '../../src/domain/permits.js';
import { createVenue } from '../../src/exchange/ccxt-venue.js';
import type { PaperExchange } from '../../src/exchange/paper/index.js';
import type { Venue } from '../../src/exchange/venue.js';
import { openStore, type Store } from '../../src/store/index.js';
import { admin, paperConfig, startSeedPaper } from '../exchange/helpers.js';
import { newPlan } from '../support/plans.js';
import { checkPostgres, dropSchema, newSchemaName, TEST_DATABASE_URL } from '../support/postgres.js';

const settings: ChainSettings = { venueName: 'paper', ttlSeconds: 15, maxOrderNotional: null, maxPlanAgeSeconds: null, defaultTolerance: '0.001', tolerances: {}, clockSkewBoundMs: 1000, settleBoundMs: 5000 };
const schema = newSchemaName();
let paper: PaperExchange;
let venue: Venue;
let store: Store;

beforeAll(async () => {
  await checkPostgres();
  paper = await startSeedPaper();
  venue = createVenue(paperConfig(paper));
  store = await openStore({ databaseUrl: TEST_DATABASE_URL, schema });
  await store.adjustLedger({ venue: 'paper', symbol: 'BTCUSDT', target: '0.062', who: 'test', why: 'match the exchange', command: 'test' });
});

afterAll(async () => {
  await store?.close();
  await venue?.close();
  await paper?.close();
  await dropSchema(schema);
});

describe('permit steps run again for the same permit id', () => {
  it('answer with the first decision and its expiry, even when the market moved in between', async () => {
    let clock = Date.now();
    const direct = createPlanActivities({ venue, store, settings, now: () => clock });
    // The governor claims the plan for its workflow run: it runs inside an activity context.
    const env = new MockActivityEnvironment();
    const activities = {
      issueGovernorPermit: (req: PermitRequest): Promise<GovernorPermit> => env.run(direct.issueGovernorPermit, req),
      checkPositionState: (req: PermitRequest): Promise<PositionPermit> => env.run(direct.checkPositionState, req),
    };
    const plan = newPlan('BTCUSDT', 'PARTIAL_75', 'rerun');
    const firstGovernor = await activities.issueGovernorPermit({ plan, sequence: 1 });
    const firstP33 = await activities.checkPositionState({ plan, sequence: 1 });
    expect(firstGovernor).toMatchObject({ granted: true, computed_qty: 0.046 });

    // 9 s later the position has grown and the step runs again with the same sequence.
    expect((await admin(paper, 'POST', '/_paper/position', { symbol: 'BTCUSDT', amount: '0.5' })).status).toBe(200);
    clock += 9_000;
    const againGovernor = await activities.issueGovernorPermit({ plan, sequence: 1 });
    const againP33 = await activities.checkPositionState({ plan, sequence: 1 });
    expect(againGovernor).toEqual(firstGovernor);
    expect(againP33).toEqual(firstP33);
    expect(againP33.allow).toBe(true); // the recorded decision, not the now mismatching position

    // A new acquisition (next sequence) decides afresh.
    const next = await activities.checkPositionState({ plan, sequence: 2 });
    expect(next).toMatchObject({ allow: false, reason: 'reconcile_required_qty_mismatch' });
    expect(Date.parse(next.expires_at)).toBe(clock + 15_000);
  });
});

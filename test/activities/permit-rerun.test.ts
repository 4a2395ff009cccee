// A permit step run twice for the same permit id (a retry, or a local activity run again because its
// workflow task never completed) answers with the permit as first recorded: the order's deadline and
// recvWindow must come from the expiry the permit log enforces, not from a later re-computation.
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createPlanActivities } from '../../src/activities/plan-activities.js';
import type { PermitRequest } from '../../src/activities/contract.js';
import type { GovernorPermit, PositionPermit } from '../../src/domain/permits.js';
import { admin } from '../exchange/helpers.js';
import { newPlan } from '../support/plans.js';
import { activitySettings as settings, useActivityFixture } from './fixture.js';

const fx = useActivityFixture();

describe('permit steps run again for the same permit id', () => {
  it('answer with the first decision and its expiry, even when the market moved in between', async () => {
    let clock = Date.now();
    const direct = createPlanActivities({ venue: fx.venue, store: fx.store, settings, now: () => clock });
    // The governor claims the plan for its workflow run: it runs inside an activity context.
    const env = new MockActivityEnvironment();
    const activities = {
      issueGovernorPermit: (req: PermitRequest): Promise<GovernorPermit> => env.run(direct.issueGovernorPermit, req),
      checkPositionState: (req: PermitRequest): Promise<PositionPermit> => env.run(direct.checkPositionState, req),
    };
    const plan = newPlan('BTCUSDT', 'PARTIAL_75', 'rerun');
    const firstGovernor = await activities.issueGovernorPermit({ plan, sequence: 1 });
    const firstP33 = await activities.checkPositionState({ plan, sequence: 1 });
    expect(firstGovernor).toMatchObject({ granted: true, computed_qty: '0.046' });

    // 9 s later the position has grown and the step runs again with the same sequence.
    expect((await admin(fx.paper, 'POST', '/_paper/position', { symbol: 'BTCUSDT', amount: '0.5' })).status).toBe(200);
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

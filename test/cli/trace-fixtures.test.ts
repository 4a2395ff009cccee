// `permitctl trace` reads both shapes a plan's history can have: permit checks and booking as regular
// activities (plans started before the local-steps patch, v1-activities-*) and as local-activity markers,
// with amounts as JSON numbers (v6-symbol-turns-* and older) or as decimal text.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import protos from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import { traceRows } from '../../src/client/trace.js';
import { countActions } from '../../bench/history.js';
import { PROJECT_ROOT } from '../../temporal/cli-path.js';

const load = (file: string) => protos.temporal.api.history.v1.History.decode(readFileSync(join(PROJECT_ROOT, 'test', 'fixtures', 'histories', file)));

describe.each(['seed-executed.binpb', 'v6-symbol-turns-seed-executed.binpb', 'v1-activities-seed-executed.binpb'])('trace of %s', (file) => {
  const rows = traceRows(load(file));
  const layers = rows.map((r) => `${r.layer}:${r.result}`);

  it('shows the seed chain: P3.3 denial, reconcile, permits again, order, booking, outcome', () => {
    // The reconcile: a signal in histories recorded before operator commands were Updates, an Update (asked, answered) since.
    const reconcile = file.startsWith('v') ? ['Operator:SIGNAL'] : ['Operator:COMMAND', 'Operator:SYNCED'];
    expect(layers).toEqual(expect.arrayContaining(['Plan:ACCEPTED', 'Governor:GRANTED', 'P3.3:DENIED', ...reconcile, 'Ledger:SYNCED', 'P3.3:ALLOWED', 'Exchange:FILLED', 'Ledger:BOOKED', 'Outcome:EXECUTED']));
    expect(layers.indexOf('P3.3:DENIED')).toBeLessThan(layers.indexOf('Ledger:SYNCED'));
    expect(layers.indexOf('Ledger:SYNCED')).toBeLessThan(layers.indexOf('P3.3:ALLOWED'));
    expect(layers.indexOf('Exchange:FILLED')).toBeLessThan(layers.indexOf('Ledger:BOOKED'));
    expect(rows.find((r) => r.layer === 'P3.3' && r.result === 'DENIED')?.action).toBe('P3.3: denied reconcile_required_qty_mismatch — exchange 0.062 vs ledger 0.002, diff 0.06 > tolerance 0.001');
    expect(rows.find((r) => r.layer === 'Ledger' && r.result === 'BOOKED')?.action).toBe('Fill booked, ledger now 0.016');
  });
});

describe('billable actions of the recorded seed chain', () => {
  it('counts the local steps of one workflow task as one action, and the patch marker with them', () => {
    const local = countActions(load('seed-executed.binpb'));
    const v1 = countActions(load('v1-activities-seed-executed.binpb'));
    expect(local.actionsByKind['activity:issueGovernorPermit']).toBeUndefined();
    expect(v1.actionsByKind['activity:issueGovernorPermit']).toBe(2);
    // Permits twice and the booking, in three workflow tasks, and the reconcile-sync-completes patch marker in
    // the reconcile's own task: 4 marker actions where v1 paid 5 activity attempts.
    expect(local.actionsByKind['local_activities']).toBe(4);
    expect(countActions(load('v8-operator-updates-seed-executed.binpb')).actionsByKind['local_activities']).toBe(3);
    expect(local.actions).toBeLessThan(v1.actions);
  });
});

// The permanent record, read back for operators (`permitctl ledger`, `permitctl audit`): a symbol's ledger
// journal (fills and adjustments in the order they moved the position) and everything the store holds of
// one plan. Read only.
import { z } from 'zod';
import { queryOne, type Db } from './db.js';
import { adjustmentHistory, adjustmentsForPlan, fillsForPlan, fillsForSymbol } from './ledger.js';
import { orderAttempts } from './order-attempts.js';
import { permitsForPlan } from './permits.js';
import { tradingStateChangesOf } from './trading-state.js';
import type { Adjustment, Fill, JournalEntry, PlanClaim, PlanRecord } from './types.js';
import { parseInput, planId as planIdSchema, venueSymbol } from './validation.js';
import { toIso } from './values.js';
import { planScope } from '../domain/trading-scope.js';
import { dec, decimalText } from '../domain/decimal.js';

function fillEntry(f: Fill): JournalEntry {
  return {
    kind: 'fill',
    at: f.bookedAt,
    venue: f.venue,
    symbol: f.symbol,
    before: f.positionBefore,
    after: f.positionAfter,
    delta: decimalText(dec(f.positionAfter).minus(f.positionBefore)),
    planId: f.planId,
    who: `plan ${f.planId}`,
    why: `${f.side} order ${f.clientOrderId} (exchange ${f.exchangeOrderId}) executed ${f.cumQty} in all @ ${f.price}; this booking ${f.qty}`,
    fill: { fillId: f.fillId, clientOrderId: f.clientOrderId, exchangeOrderId: f.exchangeOrderId, side: f.side, qty: f.qty, cumQty: f.cumQty, price: f.price, filledAt: f.filledAt },
  };
}

function adjustmentEntry(a: Adjustment): JournalEntry {
  return {
    kind: 'adjustment',
    at: a.at,
    venue: a.venue,
    symbol: a.symbol,
    before: a.before,
    after: a.after,
    delta: a.delta,
    planId: a.planId,
    who: a.who,
    why: a.why,
    adjustment: { adjustmentId: a.adjustmentId, command: a.command, answers: a.answers, exchangeReadAt: a.exchangeReadAt, exchangeUpdatedAt: a.exchangeUpdatedAt },
  };
}

/** The symbol's journal, newest first: every row that moved its ledger position, with before and after. */
export async function ledgerJournal(db: Db, venue: string, symbol: string, limit = 100): Promise<JournalEntry[]> {
  parseInput('ledgerJournal', venueSymbol.extend({ limit: z.number().int().min(1).max(10_000) }), { venue, symbol, limit });
  const [fills, adjustments] = await Promise.all([fillsForSymbol(db, venue, symbol), adjustmentHistory(db, venue, symbol)]);
  // Rows of a symbol are written one at a time under its position lock, so their times are in order; within
  // one millisecond the row that starts from the other's result came after it.
  const entries = [...fills.map(fillEntry), ...adjustments.map(adjustmentEntry)];
  entries.sort((x, y) => (x.at !== y.at ? (x.at < y.at ? -1 : 1) : y.before === x.after && x.before !== y.after ? -1 : x.before === y.after && y.before !== x.after ? 1 : 0));
  return entries.reverse().slice(0, limit);
}

/** Everything the store holds of one plan: who owns its id, its permits, order attempts, fills, reconciles and pauses. */
export async function planRecord(db: Db, planId: string): Promise<PlanRecord> {
  parseInput('planRecord', planIdSchema, planId);
  const [claim, permits, attempts, fills, changes, adjustments] = await Promise.all([
    planClaim(db, planId),
    permitsForPlan(db, planId),
    orderAttempts(db, planId),
    fillsForPlan(db, planId),
    tradingStateChangesOf(db, planScope(planId)),
    adjustmentsForPlan(db, planId),
  ]);
  return { planId, claim, permits, attempts, fills, adjustments, tradingChanges: changes };
}

async function planClaim(db: Db, planId: string): Promise<PlanClaim | null> {
  const row = await queryOne<{ plan_id: string; symbol: string; workflow_id: string; run_id: string; claimed_at: Date }>(
    db,
    'SELECT plan_id, symbol, workflow_id, run_id, claimed_at FROM plan_claims WHERE plan_id = $1',
    [planId],
  );
  return row ? { planId: row.plan_id, symbol: row.symbol, workflowId: row.workflow_id, runId: row.run_id, claimedAt: toIso(row.claimed_at) } : null;
}

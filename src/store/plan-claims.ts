import { z } from 'zod';
import { queryExactlyOne, type Db } from './db.js';
import type { PlanClaim, PlanClaimResult } from './types.js';
import { parseInput, planId, symbol, text } from './validation.js';
import { toIso } from './values.js';

const claimSchema = z.object({ planId, symbol, workflowId: text, runId: text, at: z.date('must be a valid Date') });

/** First run wins, for ever: a later run of the same plan id (even after Temporal forgot the first) is told who owns it. */
export async function claimPlan(db: Db, input: Omit<PlanClaim, 'claimedAt'> & { at: Date }): Promise<PlanClaimResult> {
  const c = parseInput('claimPlan', claimSchema, input);
  const inserted = await db.query<ClaimRow>(
    `INSERT INTO plan_claims (plan_id, symbol, workflow_id, run_id, claimed_at) VALUES ($1, $2, $3, $4, $5::timestamptz)
     ON CONFLICT (plan_id) DO NOTHING RETURNING ${CLAIM_COLUMNS}`,
    [c.planId, c.symbol, c.workflowId, c.runId, c.at.toISOString()],
  );
  const row = inserted[0] ?? (await queryExactlyOne<ClaimRow>(db, `SELECT ${CLAIM_COLUMNS} FROM plan_claims WHERE plan_id = $1`, [c.planId]));
  const claim = toClaim(row);
  return { claimed: claim.workflowId === c.workflowId && claim.runId === c.runId, claim };
}

const CLAIM_COLUMNS = 'plan_id, symbol, workflow_id, run_id, claimed_at';

interface ClaimRow {
  plan_id: string;
  symbol: string;
  workflow_id: string;
  run_id: string;
  claimed_at: Date;
}

function toClaim(r: ClaimRow): PlanClaim {
  return { planId: r.plan_id, symbol: r.symbol, workflowId: r.workflow_id, runId: r.run_id, claimedAt: toIso(r.claimed_at) };
}

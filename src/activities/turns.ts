// A plan's turn on its symbol (docs/concurrency.md): the queue lives in the store, so it holds across worker
// processes; Temporal is asked whether a holder's run is still open when a waiter suspects it is not.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Store, SymbolTurn, TurnAnswer } from '../store/index.js';
import type { TurnReleaseInput, TurnReleaseResult, TurnRequestInput, TurnState, WorkflowRuns } from './contract.js';

export interface TurnDeps {
  store: Store;
  venueName: string;
  /** Without it a holder whose run closed without releasing is waited for until an operator releases it. */
  workflowRuns?: WorkflowRuns | undefined;
}

/** Closed holders one call releases at most before it answers (each one is a Temporal lookup). */
const MAX_STALE_RELEASES = 5;

function currentRun(activity: string): { workflowId: string; runId: string } {
  const run = Context.current().info.workflowExecution;
  if (run === undefined) throw ApplicationFailure.nonRetryable(`${activity} runs for a plan workflow only (no workflow execution in its context)`);
  return run;
}

function holderOf(turn: SymbolTurn): { plan_id: string; workflow_id: string; run_id: string; since: string | null } {
  return { plan_id: turn.planId, workflow_id: turn.workflowId, run_id: turn.runId, since: turn.grantedAt };
}

async function isClosed(deps: TurnDeps, turn: SymbolTurn): Promise<string | null> {
  if (deps.workflowRuns === undefined) return null;
  const run = await deps.workflowRuns.status(turn.workflowId, turn.runId);
  return run.closed ? run.status : null;
}

function isEarlierRunOfThisPlan(turn: SymbolTurn, run: { workflowId: string; runId: string }): boolean {
  return turn.workflowId === run.workflowId && turn.runId !== run.runId;
}

function staleReason(turn: SymbolTurn, status: string, by: string): string {
  return `holder_closed: run ${turn.runId} of ${turn.workflowId} is ${status}; released for plan ${by}`;
}

/** See PlanActivities.takeTurn. */
export async function takeTurn(deps: TurnDeps, { plan, checkHolder }: TurnRequestInput): Promise<TurnState> {
  const run = currentRun('takeTurn');
  const releasedStale: string[] = [];
  const request = { venue: deps.venueName, symbol: plan.symbol, planId: plan.plan_id, workflowId: run.workflowId, runId: run.runId };
  let answer: TurnAnswer = await deps.store.takeTurn(request);
  while (!answer.granted && checkHolder && releasedStale.length < MAX_STALE_RELEASES) {
    const closed = await isClosed(deps, answer.holder);
    if (closed === null) break;
    await deps.store.releaseTurnOf(answer.holder.seq, staleReason(answer.holder, closed, plan.plan_id));
    releasedStale.push(answer.holder.planId);
    answer = await deps.store.takeTurn(request);
  }
  const seq = answer.turn.seq;
  if (answer.granted) return { granted: true, since: answer.turn.grantedAt ?? answer.turn.requestedAt, released_stale: releasedStale, seq };
  return { granted: false, holder: holderOf(answer.holder), ahead: answer.ahead, released_stale: releasedStale, seq };
}

/** See PlanActivities.releaseTurn: a next holder whose run has closed is released in turn, so the one told is alive. */
export async function releaseTurn(deps: TurnDeps, { plan, reason, seq }: TurnReleaseInput): Promise<TurnReleaseResult> {
  const run = currentRun('releaseTurn');
  let release = seq === undefined
    ? await deps.store.releaseTurn({ runId: run.runId, venue: deps.venueName, symbol: plan.symbol }, reason)
    : await deps.store.releaseTurnOf(seq, reason, plan.plan_id);
  // After a reset to a point past its takeTurn, the turn this plan holds is queued under its earlier run.
  for (let i = 0; release.released === null && release.next !== null && isEarlierRunOfThisPlan(release.next, run) && i < MAX_STALE_RELEASES; i++) {
    release = await deps.store.releaseTurnOf(release.next.seq, `${reason} (queued by its earlier run ${release.next.runId})`);
  }
  let next = release.next;
  for (let i = 0; next !== null && i < MAX_STALE_RELEASES; i++) {
    // A failed lookup only means the next holder is told without being checked: it finds out itself.
    const closed = await isClosed(deps, next).catch(() => null);
    if (closed === null) break;
    next = (await deps.store.releaseTurnOf(next.seq, staleReason(next, closed, plan.plan_id))).next;
  }
  return {
    released: release.released !== null,
    next: next === null ? null : { plan_id: next.planId, workflow_id: next.workflowId, run_id: next.runId },
  };
}

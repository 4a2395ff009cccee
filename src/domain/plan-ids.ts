// Ids derived from a plan id: imported by workflow code, so this module imports nothing (zod would be
// evaluated again for every workflow run: the bundle's modules are initialised per workflow).

/** The task queue plan workers poll unless TEMPORAL_TASK_QUEUE names another. */
export const DEFAULT_TASK_QUEUE = 'permit-chain';

const PLAN_WORKFLOW_ID_PREFIX = 'plan-';

export function workflowIdForPlan(planId: string): string {
  return `${PLAN_WORKFLOW_ID_PREFIX}${planId}`;
}

/** The plan id of a plan workflow's id (`plan-<plan_id>`), or null for any other workflow id. */
export function planIdOfWorkflowId(workflowId: string): string | null {
  return workflowId.startsWith(PLAN_WORKFLOW_ID_PREFIX) ? workflowId.slice(PLAN_WORKFLOW_ID_PREFIX.length) : null;
}

/**
 * The one client order id of plans started before the order-attempt protocol (every attempt carried it).
 * Still computed by their workflow code when it replays; new attempts use clientOrderIdForAttempt.
 */
export function clientOrderIdForPlan(planId: string): string {
  return `pc-${planId}`;
}

/** The plan id inside a legacy client order id (`pc-<plan_id>`), or null for any other id. */
export function planIdOfLegacyClientOrderId(clientOrderId: string): string | null {
  return clientOrderId.startsWith('pc-') ? clientOrderId.slice(3) : null;
}

export function governorPermitKey(planId: string): string {
  return `quantum:permit:${planId}`;
}

export function positionPermitKey(planId: string): string {
  return `quantum:permit:p33:${planId}`;
}

/** Order attempts of one plan are numbered 1 … MAX_ORDER_ATTEMPTS (one base-36 character in the id). */
export const MAX_ORDER_ATTEMPTS = 35;

/**
 * One client order id per order attempt: `pc<n>-<plan_id>`, n in base 36 (at most 36 characters, Binance's
 * limit). Binance keeps a client order id unique among open orders only, so an id reused after its order
 * filled makes a second order: each attempt has its own id, and a lookup by it finds that attempt alone.
 */
export function clientOrderIdForAttempt(planId: string, attemptNo: number): string {
  if (!Number.isInteger(attemptNo) || attemptNo < 1 || attemptNo > MAX_ORDER_ATTEMPTS) {
    throw new RangeError(`order attempt number ${attemptNo} is outside 1..${MAX_ORDER_ATTEMPTS}`);
  }
  return `pc${attemptNo.toString(36)}-${planId}`;
}

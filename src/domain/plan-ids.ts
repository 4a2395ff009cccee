// Ids derived from a plan id: imported by workflow code, so this module imports nothing (zod would be
// evaluated again for every workflow run: the bundle's modules are initialised per workflow).
export function workflowIdForPlan(planId: string): string {
  return `plan-${planId}`;
}

/** Deterministic per plan: every attempt to place this plan's order carries the same id. */
export function clientOrderIdForPlan(planId: string): string {
  return `pc-${planId}`;
}

export function governorPermitKey(planId: string): string {
  return `quantum:permit:${planId}`;
}

export function positionPermitKey(planId: string): string {
  return `quantum:permit:p33:${planId}`;
}

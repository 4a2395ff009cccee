import type { GovernorPermit, PositionPermit } from '../domain/permits.js';

/**
 * Somewhere permit decisions are copied to besides the store (the Redis keys the old dashboards read).
 * A mirror must never fail the chain: implementations swallow and log their own errors.
 */
export interface PermitMirror {
  governor(planId: string, permit: GovernorPermit): Promise<void>;
  position(planId: string, permit: PositionPermit): Promise<void>;
  /** The governor permit was used for an order: the copy shows `consumed: true` for the rest of its life. */
  governorConsumed(planId: string): Promise<void>;
}

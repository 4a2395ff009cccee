// How the plan workflow calls its activities: timeouts and retries per kind of step, and the proxies.
import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type { ActivityOptions, LocalActivityOptions, RetryPolicy } from '@temporalio/common';
import type { PlanActivities } from '../activities/contract.js';
import type { ChainPolicy } from '../domain/chain-policy.js';
import { FailureTypes, NON_RETRYABLE_ORDER_FAILURES } from '../domain/failures.js';

const exchangeRetry: RetryPolicy = { initialInterval: '200ms', backoffCoefficient: 2, maximumInterval: '2s' };

/** Permit checks read the exchange: retried on network errors, a definitive refusal fails them. */
export const permitOptions = {
  startToCloseTimeout: '10s',
  scheduleToCloseTimeout: '2m',
  retry: { ...exchangeRetry, nonRetryableErrorTypes: [FailureTypes.exchangeRejected] },
} satisfies ActivityOptions & LocalActivityOptions;

/** Booking, lookups and ledger sync must eventually succeed: an order's fate is never left unknown. */
export const durableOptions = {
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s' },
} satisfies ActivityOptions & LocalActivityOptions;

/**
 * The order step: the whole step, retries included, ends when the earliest permit expires (enforced by the
 * server); a definitive answer (refused, expired, paused, unsettled, clock skew) is not retried.
 */
export function orderStepOptions(windowMs: number, policy: ChainPolicy, summary: string): ActivityOptions {
  return {
    scheduleToCloseTimeout: windowMs,
    startToCloseTimeout: Math.min(policy.orderAttemptTimeoutMs, windowMs),
    retry: { ...exchangeRetry, nonRetryableErrorTypes: [...NON_RETRYABLE_ORDER_FAILURES] },
    summary,
  };
}

export const permitActivities = proxyActivities<PlanActivities>(permitOptions);
export const durableActivities = proxyActivities<PlanActivities>(durableOptions);
/** The permit checks and the booking as local activities (patches.LOCAL_STEPS). */
export const localPermitActivities = proxyLocalActivities<PlanActivities>(permitOptions);
export const localDurableActivities = proxyLocalActivities<PlanActivities>(durableOptions);

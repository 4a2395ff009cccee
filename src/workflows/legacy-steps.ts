// Steps of plans whose history predates a patch (./patches.ts): they replay the code they started on.
// Nothing new runs these; each goes once no recorded history needs it (test/replay says which).
import { ActivityFailure, ApplicationFailure, patched, sleep, TimeoutFailure } from '@temporalio/workflow';
import type { PlacedOrder } from '../activities/contract.js';
import type { ChainState } from '../domain/chain.js';
import { compareDecimals } from '../domain/decimal-order.js';
import { FailureTypes } from '../domain/failures.js';
import type { Plan } from '../domain/plan.js';
import type { ChainRecorder } from './chain-recorder.js';
import { FINAL_ORDER_STATUSES, ORDER_FOLLOW_UP_MS, type OrderAttempt } from './order-attempt.js';
import { LOCAL_STEPS } from './patches.js';
import { durableActivities, durableOptions, localDurableActivities } from './step-options.js';

/** Before CUMULATIVE_FILLS: an order still open is looked up at most this many times, then booked once. */
const MAX_ORDER_FOLLOW_UPS = 30;

/** Before ORDER_ATTEMPTS: one client order id per plan, looked up once after an unclear order step. */
export async function lookUpAfterUnclearStep(chain: ChainRecorder, plan: Plan, err: unknown, clientOrderId: string): Promise<OrderAttempt> {
  const cause = err instanceof ActivityFailure ? err.cause : undefined;
  if (cause instanceof ApplicationFailure && cause.type === FailureTypes.exchangeRejected) {
    return { kind: 'rejected', reason: cause.message };
  }
  if (cause instanceof ApplicationFailure && cause.type === FailureTypes.tradingPaused) return { kind: 'paused' };
  if (cause instanceof ApplicationFailure && cause.type === FailureTypes.permitExpired) return { kind: 'expired' };
  const why = cause instanceof TimeoutFailure ? `timeout (${cause.timeoutType})` : cause?.message ?? String(err);
  chain.event('order_unclear', `Order step ended without an answer (${why}); looking up ${clientOrderId}`);
  const found = await durableActivities.lookupOrder.executeWithOptions(
    { ...durableOptions, summary: `Lookup order ${clientOrderId} on ${plan.symbol} before any re-send` },
    [{ symbol: plan.symbol, clientOrderId }],
  );
  chain.event('order_lookup', found ? `Found ${clientOrderId}: ${found.status}` : `${clientOrderId} is not on the exchange`, { found: found !== null });
  return found ? { kind: 'placed', order: found } : { kind: 'expired' };
}

/** Before CUMULATIVE_FILLS: the order followed until final (at most MAX_ORDER_FOLLOW_UPS look-ups), then booked once. */
export async function bookWhenFinal(chain: ChainRecorder, plan: Plan, placed: PlacedOrder): Promise<ChainState> {
  const order = FINAL_ORDER_STATUSES.includes(placed.status) ? placed : await followUntilFinal(plan, placed);
  chain.state.order = order;
  if (chain.state.permits.governor) chain.state.permits.governor.consumed = true;
  chain.event('order_placed', `Order ${order.client_order_id} ${order.side} ${order.filled_qty}/${order.qty} @ ${order.avg_price}: ${order.status}`, { exchange_order_id: order.exchange_order_id, found_by_lookup: order.found_by_lookup });
  if (compareDecimals(order.filled_qty, 0) <= 0) return chain.finish('FAILED', `order_not_filled_${order.status.toLowerCase()}`, `Order ${order.client_order_id} ended ${order.status} with nothing filled`);
  chain.stage('booking');
  const bookOptions = { ...durableOptions, summary: `Book fill ${order.side} ${order.filled_qty} ${plan.symbol} (order ${order.exchange_order_id})` };
  const booking = patched(LOCAL_STEPS) ? localDurableActivities : durableActivities;
  const booked = await booking.bookFill.executeWithOptions(bookOptions, [{ plan, order }]);
  chain.event('fill_booked', `Ledger ${plan.symbol} now ${booked.ledger_amt}${booked.booked ? '' : ' (fill was already booked)'}`, { ...booked });
  if (!FINAL_ORDER_STATUSES.includes(order.status)) {
    return chain.finish('FAILED', 'order_not_final', `Order ${order.client_order_id} still ${order.status} after ${MAX_ORDER_FOLLOW_UPS} look-ups; ${order.filled_qty} booked so far, reconcile the rest`);
  }
  return chain.finish('EXECUTED', null, `Executed: ${order.side} ${order.filled_qty} ${plan.symbol} @ ${order.avg_price}; ledger ${booked.ledger_amt}`);
}

async function followUntilFinal(plan: Plan, placed: PlacedOrder): Promise<PlacedOrder> {
  let order = placed;
  for (let look = 1; !FINAL_ORDER_STATUSES.includes(order.status) && look <= MAX_ORDER_FOLLOW_UPS; look++) {
    await sleep(ORDER_FOLLOW_UP_MS, { summary: `Order ${order.client_order_id} is ${order.status}: looking again` });
    order = (await durableActivities.lookupOrder.executeWithOptions(
      { ...durableOptions, summary: `Lookup order ${order.client_order_id} until it is final (${look})` },
      [{ symbol: plan.symbol, clientOrderId: order.client_order_id }],
    )) ?? order;
  }
  return order;
}

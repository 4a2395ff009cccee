// The campaign's safety figures, computed from what the paper exchange recorded (its executed orders, its
// order log, its positions) and what the store recorded (order attempts, permits, fills, ledger positions),
// never from the workflows' view of themselves. Pure: campaign.ts gathers the records, this judges them.
import { Decimal } from 'decimal.js';
import type { OrderLogEntry, PaperOrder } from '../src/exchange/paper/index.js';

/** `pc<n>-<plan_id>`: the order protocol's client order id of attempt n (base 36) of a plan. */
const CLIENT_ORDER_ID = /^pc([0-9a-z])-(.+)$/;

export function planIdOfClientOrderId(clientOrderId: string): { attemptNo: number; planId: string } | null {
  const m = CLIENT_ORDER_ID.exec(clientOrderId);
  if (!m) return null;
  return { attemptNo: parseInt(m[1]!, 36), planId: m[2]! };
}

export interface AttemptRecord {
  planId: string;
  attemptNo: number;
  clientOrderId: string;
  outcome: string;
  governorPermitId: string;
  positionPermitId: string;
  exchangeOrderId: string | null;
  detail: string | null;
}

export interface PermitExpiry {
  permitId: string;
  /** permits.expires_at, host (= worker) clock, epoch ms. */
  expiresAtMs: number;
}

export interface FillRecord {
  planId: string;
  clientOrderId: string;
  exchangeOrderId: string;
  qty: string;
}

export interface CampaignRecords {
  symbols: readonly string[];
  /** Every plan id submitted. */
  planIds: readonly string[];
  /** Plans whose workflow was not closed when the campaign ended. */
  openPlanIds: readonly string[];
  /** /_paper/state orders (all symbols; filtered to the campaign's here). */
  exchangeOrders: readonly PaperOrder[];
  orderLog: readonly OrderLogEntry[];
  exchangePositions: Readonly<Record<string, string>>;
  ledgerPositions: Readonly<Record<string, string>>;
  attempts: readonly AttemptRecord[];
  permits: readonly PermitExpiry[];
  fills: readonly FillRecord[];
}

export interface OrderViolation {
  clientOrderId: string;
  exchangeOrderId: string;
  planId: string | null;
  why: string;
  [detail: string]: unknown;
}

export interface SafetyFigures {
  /** Orders executed on the exchange for the campaign's symbols. */
  orders: number;
  /** Executed orders per plan (plan id from the client order id), the largest count. */
  max_orders_per_plan: number;
  /** Executed orders whose client order id is not `pc<n>-<plan id of this campaign>`. */
  unparsable_orders: number;
  /** Executed orders accepted (arrival, exchange time) at or after the earliest expiry of the permits their attempt used. */
  orders_after_permit_expiry: number;
  /** Executed orders with no order_attempts row (or no log entry, or no permits) to judge them by. */
  orders_without_attempt: number;
  /** Plans still open at the end, plus order attempts still `pending` in the store. */
  plans_unsettled: number;
  /** Symbols whose ledger position differs from the exchange's at the end. */
  symbols_ledger_mismatch: number;
  /** Exchange orders whose fills (increments) add up to more than it executed, plus plans with fills of two different orders. */
  double_booked_fills: number;
}

export interface FigureDetails {
  plans_with_several_orders: Array<{ planId: string; orders: string[] }>;
  unparsable: OrderViolation[];
  after_permit_expiry: OrderViolation[];
  without_attempt: OrderViolation[];
  open_plans: string[];
  pending_attempts: string[];
  ledger_mismatch: Array<{ symbol: string; exchange: string; ledger: string }>;
  double_booked: Array<{ key: string; fills: number }>;
  /** Executed orders with no fill booked (the ledger mismatch shows the effect; this names the order). */
  orders_not_booked: string[];
  /** Fills whose quantity differs from what the exchange executed. */
  fills_qty_mismatch: Array<{ exchangeOrderId: string; booked: string; executed: string }>;
  /** Smallest margin (ms) between an order's acceptance and its earliest permit expiry; 0 or less = violation. */
  min_permit_margin_ms: number | null;
  /** The margins' distribution (ms): how close to the edge the campaign's orders came. */
  permit_margin_ms: { min: number; p1: number; p10: number; p50: number } | null;
  /** Orders executed after an unknown-status answer (unknown_then_execute): executed later than accepted. */
  late_executions: number;
}

export function computeFigures(r: CampaignRecords): { figures: SafetyFigures; details: FigureDetails } {
  const symbols = new Set(r.symbols);
  const planIds = new Set(r.planIds);
  const orders = r.exchangeOrders.filter((o) => symbols.has(o.symbol));

  const byPlan = new Map<string, string[]>();
  const unparsable: OrderViolation[] = [];
  for (const o of orders) {
    const parsed = planIdOfClientOrderId(o.clientOrderId);
    if (parsed === null || !planIds.has(parsed.planId)) {
      unparsable.push({ clientOrderId: o.clientOrderId, exchangeOrderId: String(o.orderId), planId: parsed?.planId ?? null, why: parsed === null ? 'client order id does not parse as pc<n>-<plan_id>' : 'plan id is not one this campaign submitted' });
      continue;
    }
    const list = byPlan.get(parsed.planId) ?? [];
    list.push(o.clientOrderId);
    byPlan.set(parsed.planId, list);
  }
  const severalOrders = [...byPlan.entries()].filter(([, l]) => l.length > 1).map(([planId, l]) => ({ planId, orders: l }));
  const maxOrdersPerPlan = Math.max(0, ...[...byPlan.values()].map((l) => l.length));

  // Permit expiry, judged at the exchange: the arrival of the request that made the order (exchange clock,
  // when its checks ran) against the earliest expiry of the permits its attempt used (host clock, moved to
  // the exchange clock with the offset in force at that arrival).
  const acceptedBy = new Map<number, OrderLogEntry>();
  for (const e of r.orderLog) if (e.method === 'POST' && e.outcome.type === 'accepted') acceptedBy.set(e.outcome.orderId, e);
  const attemptByClientId = new Map(r.attempts.map((a) => [a.clientOrderId, a]));
  const expiryOf = new Map(r.permits.map((p) => [p.permitId, p.expiresAtMs]));
  const afterExpiry: OrderViolation[] = [];
  const withoutAttempt: OrderViolation[] = [];
  const margins: number[] = [];
  let lateExecutions = 0;
  for (const o of orders) {
    const base = { clientOrderId: o.clientOrderId, exchangeOrderId: String(o.orderId), planId: planIdOfClientOrderId(o.clientOrderId)?.planId ?? null };
    const entry = acceptedBy.get(o.orderId);
    const attempt = attemptByClientId.get(o.clientOrderId);
    if (entry === undefined) {
      withoutAttempt.push({ ...base, why: 'no accepted POST for this order in the order log' });
      continue;
    }
    if (entry.outcome.type === 'accepted' && entry.outcome.executedAt !== undefined) lateExecutions += 1;
    if (attempt === undefined) {
      withoutAttempt.push({ ...base, why: 'no order_attempts row carries this client order id' });
      continue;
    }
    const gov = expiryOf.get(attempt.governorPermitId);
    const pos = expiryOf.get(attempt.positionPermitId);
    if (gov === undefined || pos === undefined) {
      withoutAttempt.push({ ...base, why: `permit ${gov === undefined ? attempt.governorPermitId : attempt.positionPermitId} of attempt ${attempt.attemptNo} is not in the permit log` });
      continue;
    }
    const expiryExchangeMs = Math.min(gov, pos) + entry.clockOffsetMs;
    const margin = expiryExchangeMs - entry.receivedAt;
    margins.push(margin);
    if (margin <= 0) {
      afterExpiry.push({
        ...base,
        why: 'accepted at or after the earliest expiry of its permits (exchange time)',
        receivedAt: entry.receivedAt,
        permitExpiryExchangeMs: expiryExchangeMs,
        lateByMs: -margin,
        clockOffsetMs: entry.clockOffsetMs,
        requestTimestamp: Number(entry.params['timestamp']),
        recvWindow: Number(entry.params['recvWindow']),
        attemptNo: attempt.attemptNo,
        seq: entry.seq,
      });
    }
  }

  const pendingAttempts = r.attempts.filter((a) => a.outcome === 'pending').map((a) => a.clientOrderId);
  const openPlans = [...r.openPlanIds];

  const ledgerMismatch = r.symbols
    .map((symbol) => ({ symbol, exchange: r.exchangePositions[symbol] ?? '0', ledger: r.ledgerPositions[symbol] ?? '0' }))
    .filter((p) => !new Decimal(p.exchange).eq(new Decimal(p.ledger)));

  const fillsPerOrder = new Map<string, number>();
  const ordersPerPlanFilled = new Map<string, Set<string>>();
  for (const f of r.fills) {
    fillsPerOrder.set(f.exchangeOrderId, (fillsPerOrder.get(f.exchangeOrderId) ?? 0) + 1);
    const set = ordersPerPlanFilled.get(f.planId) ?? new Set<string>();
    set.add(f.exchangeOrderId);
    ordersPerPlanFilled.set(f.planId, set);
  }
  const bookedQty = new Map<string, Decimal>();
  for (const f of r.fills) bookedQty.set(f.exchangeOrderId, (bookedQty.get(f.exchangeOrderId) ?? new Decimal(0)).plus(f.qty));
  // Several fills of one order are its increments (booked by cumulative executed quantity): double booked
  // only when together they exceed what the exchange executed for it.
  const executed = new Map(orders.map((o) => [String(o.orderId), new Decimal(o.executedQty)]));
  const overBooked = (id: string) => !(executed.get(id)?.gte(bookedQty.get(id) ?? 0) ?? false);
  const doubleBooked = [
    ...[...fillsPerOrder.entries()].filter(([id, n]) => n > 1 && overBooked(id)).map(([id, n]) => ({ key: `order ${id}`, fills: n })),
    ...[...ordersPerPlanFilled.entries()].filter(([, s]) => s.size > 1).map(([planId, s]) => ({ key: `plan ${planId}`, fills: s.size })),
  ];
  const notBooked = orders.filter((o) => !bookedQty.has(String(o.orderId))).map((o) => o.clientOrderId);
  const qtyMismatch = orders
    .filter((o) => bookedQty.has(String(o.orderId)) && !bookedQty.get(String(o.orderId))!.eq(o.executedQty))
    .map((o) => ({ exchangeOrderId: String(o.orderId), booked: bookedQty.get(String(o.orderId))!.toFixed(), executed: o.executedQty }));

  return {
    figures: {
      orders: orders.length,
      max_orders_per_plan: maxOrdersPerPlan,
      unparsable_orders: unparsable.length,
      orders_after_permit_expiry: afterExpiry.length,
      orders_without_attempt: withoutAttempt.length,
      plans_unsettled: openPlans.length + pendingAttempts.length,
      symbols_ledger_mismatch: ledgerMismatch.length,
      double_booked_fills: doubleBooked.length,
    },
    details: {
      plans_with_several_orders: severalOrders,
      unparsable,
      after_permit_expiry: afterExpiry,
      without_attempt: withoutAttempt,
      open_plans: openPlans,
      pending_attempts: pendingAttempts,
      ledger_mismatch: ledgerMismatch,
      double_booked: doubleBooked,
      orders_not_booked: notBooked,
      fills_qty_mismatch: qtyMismatch,
      min_permit_margin_ms: margins.length === 0 ? null : Math.min(...margins),
      permit_margin_ms: marginSummary(margins),
      late_executions: lateExecutions,
    },
  };
}

/** The safety figures that fail the campaign, with why; empty when it passes. */
export function safetyFailures(f: SafetyFigures, kills: { asked: number; done: number }): string[] {
  const failures: string[] = [];
  if (f.max_orders_per_plan > 1) failures.push(`max_orders_per_plan = ${f.max_orders_per_plan} (> 1)`);
  for (const key of ['unparsable_orders', 'orders_after_permit_expiry', 'orders_without_attempt', 'plans_unsettled', 'symbols_ledger_mismatch', 'double_booked_fills'] as const) {
    if (f[key] > 0) failures.push(`${key} = ${f[key]}`);
  }
  if (kills.done < kills.asked) failures.push(`worker_kills = ${kills.done}, fewer than the ${kills.asked} asked`);
  return failures;
}

function marginSummary(margins: number[]): FigureDetails['permit_margin_ms'] {
  if (margins.length === 0) return null;
  const sorted = [...margins].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { min: sorted[0]!, p1: at(0.01), p10: at(0.1), p50: at(0.5) };
}

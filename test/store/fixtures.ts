import { randomBytes } from 'node:crypto';
import type { FillInput, PermitRecord } from '../../src/store/index.js';

export const VENUE = 'paper';

export function newSymbol(): string {
  return `T${randomBytes(4).toString('hex').toUpperCase()}USDT`;
}

export function newPlanId(): string {
  return randomBytes(8).toString('hex');
}

export function fill(overrides: Partial<FillInput> & Pick<FillInput, 'symbol'>): FillInput {
  const planId = overrides.planId ?? newPlanId();
  return {
    venue: VENUE,
    planId,
    clientOrderId: `pc-${planId}`,
    exchangeOrderId: `ex-${randomBytes(6).toString('hex')}`,
    side: 'BUY',
    qty: '0.001',
    price: '100000',
    filledAt: '2026-01-25T00:30:09.123Z',
    ...overrides,
  };
}

/** A granted governor permit created now (or at `createdAt`) with the seed's 15 s TTL. */
export function permit(overrides: Partial<PermitRecord> & { planId: string }, createdAt = new Date()): PermitRecord {
  const layer = overrides.layer ?? 'governor';
  const ttlSeconds = overrides.ttlSeconds ?? 15;
  const permitKey = layer === 'governor' ? `quantum:permit:${overrides.planId}` : `quantum:permit:p33:${overrides.planId}`;
  return {
    permitId: `${permitKey}#1`,
    permitKey,
    layer,
    symbol: 'BTCUSDT',
    granted: true,
    reason: null,
    context: {},
    computedQty: '0.0465',
    computedNotional: '4650.5',
    createdAt: createdAt.toISOString(),
    expiresAt: new Date(createdAt.getTime() + ttlSeconds * 1000).toISOString(),
    ttlSeconds,
    ...overrides,
  };
}

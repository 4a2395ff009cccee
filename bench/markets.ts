// The benchmark's paper market: many symbols with big long positions and a matching ledger, and a pool
// that hands each plan a symbol no other plan is using. Two plans in flight on one symbol would make the
// second one's position check see the first one's fill on the exchange before it is booked in the ledger
// (a genuine reconcile_required_qty_mismatch), which is a different path from the one being timed.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Store } from '../src/store/index.js';

export const BENCH_POSITION = '1000';
export const BENCH_MARK_PRICE = '10';
/** A symbol whose position fell below this (after ~8 PARTIAL_25 fills) is topped up between phases. */
const REFILL_BELOW = 100;

export function benchSymbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `BX${String(i).padStart(4, '0')}USDT`);
}

export interface LongPositionsScenario {
  name: string;
  description: string;
  symbols: readonly string[];
  /** Every symbol's long position, opened at the mark price. */
  position: string;
  markPrice: string;
  tickSize: string;
  maxQty: string;
  walletBalance: string;
}

/** A paper scenario of many markets, each with one big long position (the harnesses' market, bench and campaign). */
export function longPositionsScenario(s: LongPositionsScenario): object {
  return {
    name: s.name,
    description: s.description,
    defaultLeverage: 20,
    accounts: [{ apiKey: 'paper-key', secret: 'paper-secret' }],
    markets: s.symbols.map((symbol) => ({
      symbol,
      baseAsset: symbol.replace(/USDT$/, ''),
      quoteAsset: 'USDT',
      tickSize: s.tickSize,
      stepSize: '0.001',
      minQty: '0.001',
      maxQty: s.maxQty,
      minNotional: '5',
      markPrice: s.markPrice,
    })),
    positions: s.symbols.map((symbol) => ({ symbol, amount: s.position, entryPrice: s.markPrice })),
    balances: [{ asset: 'USDT', walletBalance: s.walletBalance }],
  };
}

export function benchScenario(symbols: readonly string[]): object {
  return longPositionsScenario({
    name: 'bench',
    description: 'permit-chain benchmark: many markets, 1000-lot long positions',
    symbols,
    position: BENCH_POSITION,
    markPrice: BENCH_MARK_PRICE,
    tickSize: '0.01',
    maxQty: '100000',
    walletBalance: '100000000',
  });
}

export function writeBenchScenario(dir: string, symbols: readonly string[]): string {
  const path = join(dir, 'bench-scenario.json');
  writeFileSync(path, JSON.stringify(benchScenario(symbols), null, 2));
  return path;
}

/** Free symbols, handed out first-in first-out so that fills spread evenly over the positions. */
export class SymbolPool {
  readonly #free: string[];
  readonly #used = new Map<string, number>();

  constructor(readonly symbols: readonly string[]) {
    this.#free = [...symbols];
  }

  /** null when every symbol carries a plan in flight (the load outran the pool). */
  take(): string | null {
    const symbol = this.#free.shift();
    if (symbol === undefined) return null;
    this.#used.set(symbol, (this.#used.get(symbol) ?? 0) + 1);
    return symbol;
  }

  give(symbol: string): void {
    this.#free.push(symbol);
  }

  isFree(symbol: string): boolean {
    return this.#free.includes(symbol);
  }

  get inFlight(): number {
    return this.symbols.length - this.#free.length;
  }

  /** Free symbols that carried a plan since the last call (those still in flight stay listed). */
  takeUsed(): string[] {
    const used = [...this.#used.keys()].filter((s) => this.isFree(s));
    for (const s of used) this.#used.delete(s);
    return used;
  }
}

export interface MarketAdmin {
  paperUrl: string;
  store: Store;
  venueName: string;
}

async function setPaperPosition(paperUrl: string, symbol: string, amount: string): Promise<void> {
  const res = await fetch(`${paperUrl}/_paper/position`, {
    method: 'POST',
    body: JSON.stringify({ symbol, amount }),
    headers: { 'Content-Type': 'application/json' },
  });
  if (res.status !== 200) throw new Error(`paper POST /_paper/position ${symbol}: HTTP ${res.status} ${await res.text()}`);
}

/** Exchange and ledger both back at BENCH_POSITION for these symbols (only while none of them is in flight). */
export async function refill(admin: MarketAdmin, symbols: readonly string[], force = false): Promise<number> {
  let refilled = 0;
  for (const symbol of symbols) {
    const ledger = Number(await admin.store.ledgerPosition(admin.venueName, symbol));
    if (!force && ledger >= REFILL_BELOW) continue;
    await setPaperPosition(admin.paperUrl, symbol, BENCH_POSITION);
    await admin.store.adjustLedger({ venue: admin.venueName, symbol, target: BENCH_POSITION, who: 'bench', why: 'benchmark set-up', command: 'bench' });
    refilled += 1;
  }
  return refilled;
}

/** Makes the ledger disagree with the exchange: the next plan on `symbol` is denied for a reconcile. */
export async function skewLedger(admin: MarketAdmin, symbol: string): Promise<void> {
  const ledger = Number(await admin.store.ledgerPosition(admin.venueName, symbol));
  await admin.store.adjustLedger({ venue: admin.venueName, symbol, target: String(ledger - 1), who: 'bench', why: 'benchmark: force a reconcile', command: 'bench' });
}

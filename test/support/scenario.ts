// Paper exchange scenarios for chain tests: one market per test, so tests sharing a stack never share a
// position or a ledger row.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface TestMarket {
  symbol: string;
  /** Signed position the scenario starts with ("0.062"; "0" for flat). */
  position: string;
  markPrice?: string;
  entryPrice?: string;
}

function baseAsset(symbol: string): string {
  return symbol.replace(/USDT$/, '');
}

export function chainScenario(markets: TestMarket[]): object {
  return {
    name: 'chain-tests',
    description: 'one market per chain test',
    defaultLeverage: 20,
    accounts: [{ apiKey: 'paper-key', secret: 'paper-secret' }],
    markets: markets.map((m) => ({
      symbol: m.symbol,
      baseAsset: baseAsset(m.symbol),
      quoteAsset: 'USDT',
      tickSize: '0.10',
      stepSize: '0.001',
      minQty: '0.001',
      maxQty: '1000',
      minNotional: '5',
      markPrice: m.markPrice ?? '60000',
    })),
    positions: markets
      .filter((m) => m.position !== '0')
      .map((m) => ({ symbol: m.symbol, amount: m.position, entryPrice: m.entryPrice ?? m.markPrice ?? '58000' })),
    balances: [{ asset: 'USDT', walletBalance: '100000' }],
  };
}

/** Writes the scenario into `dir` and returns its path (startEmbeddedStack reads a file). */
export function writeScenario(dir: string, markets: TestMarket[]): string {
  const path = join(dir, 'scenario.json');
  writeFileSync(path, JSON.stringify(chainScenario(markets), null, 2));
  return path;
}

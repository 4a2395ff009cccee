// `permitctl up` starts in balance: a new ledger opens at the paper exchange's positions (one adjustment per
// symbol, recorded with who and why); an existing one is compared with the exchange and every difference
// named, with the command that settles it. The paper exchange keeps its state in the data folder, so a
// restart finds both as they were left.
import { dec } from '../domain/decimal.js';
import type { EmbeddedStack } from './embedded-stack.js';

export interface BalanceLine {
  symbol: string;
  ledger: string;
  exchange: string;
  /** opened: a new ledger set to the exchange; in_balance: they agree; differs: they do not (nothing changed). */
  state: 'opened' | 'in_balance' | 'differs';
}

export const OPENING_BALANCE_WHO = 'permitctl up';

export async function openingBalance(stack: EmbeddedStack): Promise<BalanceLine[]> {
  if (stack.paper === null) return [];
  const venue = stack.services.settings.venueName;
  const store = stack.services.store;
  const booked = new Map((await store.ledgerPositions()).filter((p) => p.venue === venue).map((p) => [p.symbol, p.position]));
  const fresh = booked.size === 0;
  const lines: BalanceLine[] = [];
  for (const position of stack.paper.state.listPositions()) {
    const exchange = position.amount.toFixed();
    const ledger = booked.get(position.symbol) ?? '0';
    if (fresh && !position.amount.isZero()) {
      await store.adjustLedger({ venue, symbol: position.symbol, target: exchange, who: OPENING_BALANCE_WHO, why: "opening balance: a new ledger starts at the paper exchange's position", command: 'permitctl up' });
      lines.push({ symbol: position.symbol, ledger: exchange, exchange, state: 'opened' });
    } else if (!position.amount.isZero() || booked.has(position.symbol)) {
      lines.push({ symbol: position.symbol, ledger, exchange, state: dec(ledger).eq(position.amount) ? 'in_balance' : 'differs' });
    }
  }
  return lines;
}

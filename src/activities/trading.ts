// The trading state (running, paused, halted per scope), as the plan and operator workflows ask for it.
import { ApplicationFailure } from '@temporalio/activity';
import { TradingStateRefused, type Store } from '../store/index.js';
import type { TradingStateRequest, TradingStateResult } from './contract.js';

/** A change the store refuses (a pause over a halt) fails at once, with the store's reason: retrying cannot help. */
export async function setTradingState(store: Store, req: TradingStateRequest): Promise<TradingStateResult> {
  try {
    const change = await store.setTradingState(req);
    return { scope: change.scope, state: change.state, at: change.at };
  } catch (err) {
    if (err instanceof TradingStateRefused) throw ApplicationFailure.nonRetryable(err.message, err.name);
    throw err;
  }
}

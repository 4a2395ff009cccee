// Exchange reads of the activities, with a venue error mapped onto the failure type the workflow decides on.
import { ApplicationFailure } from '@temporalio/activity';
import { FailureTypes } from '../domain/failures.js';
import { VenueError, type MarketRules, type Position, type Venue } from '../exchange/venue.js';

/** Maps a venue error of an exchange read onto the failure type the workflow decides on. */
export function toReadFailure(err: unknown): unknown {
  if (!(err instanceof VenueError)) return err;
  const details = { errorClass: err.errorClass, exchangeCode: err.exchangeCode, exchangeReason: err.exchangeReason };
  if (err.kind === 'rejected') {
    const code = err.exchangeCode === null ? '' : ` (${err.exchangeCode})`;
    return ApplicationFailure.nonRetryable(`${err.exchangeReason}${code}`, FailureTypes.exchangeRejected, details);
  }
  return ApplicationFailure.retryable(`${err.errorClass}: ${err.message}`, FailureTypes.exchangeRetryable, details);
}

/** One exchange read; a venue error becomes the failure the workflow decides on. */
export async function exchangeRead<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    throw toReadFailure(err);
  }
}

/** The market's rules, or null when the exchange does not list the symbol. */
export async function marketOrNull(venue: Venue, symbol: string): Promise<MarketRules | null> {
  try {
    return await venue.market(symbol);
  } catch (err) {
    if (err instanceof VenueError && err.kind === 'rejected') return null;
    throw toReadFailure(err);
  }
}

export function readPosition(venue: Venue, symbol: string): Promise<Position> {
  return exchangeRead(() => venue.position(symbol));
}

export async function exchangeClockOffset(venue: Venue): Promise<number> {
  return (await exchangeRead(() => venue.clock())).offsetMs;
}

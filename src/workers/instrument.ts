// Metrics and log lines around the activities and the exchange adapter, added by wrapping them: the
// activity and venue implementations stay unaware of Prometheus and of logging.
import { performance } from 'node:perf_hooks';
import { Context } from '@temporalio/activity';
import type { PlanActivities } from '../activities/contract.js';
import type { Venue } from '../exchange/venue.js';
import { VenueError } from '../exchange/venue.js';
import type { ChainMetrics } from './metrics.js';

// `never[]` parameters accept every activity signature; the wrappers pass arguments through unchanged.
type AsyncFn = (...args: never[]) => Promise<unknown>;

/** The activity's context logger (workflowId, activityType, attempt… attached by the SDK), if any. */
function activityLog(): Context['log'] | null {
  try {
    return Context.current().log;
  } catch {
    return null; // called outside an activity (tests calling the function directly)
  }
}

function errorSummary(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/** Logs each activity's start and end (debug) and its failures (info; the SDK warns on its own). */
function withActivityLog<F extends AsyncFn>(name: string, fn: F): F {
  const wrapped = async (...args: Parameters<F>): Promise<unknown> => {
    const log = activityLog();
    const started = performance.now();
    log?.debug('activity started', { activity: name });
    try {
      const result = await fn(...args);
      log?.debug('activity finished', { activity: name, outcome: 'completed', durationMs: Math.round(performance.now() - started) });
      return result;
    } catch (err) {
      log?.info('activity finished', { activity: name, outcome: 'failed', durationMs: Math.round(performance.now() - started), error: errorSummary(err) });
      throw err;
    }
  };
  return wrapped as F; // same parameters and (awaited) result as fn
}

function mapFunctions<T extends object>(target: T, wrap: <F extends AsyncFn>(name: string, fn: F) => F): T {
  const entries = Object.entries(target).map(([name, value]) => [name, typeof value === 'function' ? wrap(name, value.bind(target) as AsyncFn) : value]);
  return Object.fromEntries(entries) as T; // every own function replaced by a wrapper of the same signature
}

/** The activities with log lines and permit counters (granted/denied by layer and reason). */
export function instrumentActivities(activities: PlanActivities, metrics: ChainMetrics): PlanActivities {
  const logged = mapFunctions(activities, withActivityLog);
  return {
    ...logged,
    issueGovernorPermit: async (req) => {
      const permit = await logged.issueGovernorPermit(req);
      metrics.permitDecided('governor', permit.granted, permit.reason);
      return permit;
    },
    checkPositionState: async (req) => {
      const permit = await logged.checkPositionState(req);
      metrics.permitDecided('p33', permit.allow, permit.reason);
      return permit;
    },
  };
}

function venueErrorLabels(err: unknown): { kind: string; errorClass: string } {
  if (err instanceof VenueError) return { kind: err.kind, errorClass: err.errorClass };
  return { kind: 'unclassified', errorClass: err instanceof Error ? err.name : typeof err };
}

/** Times every exchange call and counts failures by kind and error class (ccxt's class names). */
export function instrumentVenue(venue: Venue, metrics: ChainMetrics): Venue {
  const timed = async <T>(call: string, run: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    try {
      const result = await run();
      metrics.exchangeCall(call, (performance.now() - started) / 1000, null);
      return result;
    } catch (err) {
      metrics.exchangeCall(call, (performance.now() - started) / 1000, venueErrorLabels(err));
      throw err;
    }
  };
  return {
    name: venue.name,
    requestTimeoutMs: venue.requestTimeoutMs,
    clock: (opts) => timed('clock', () => venue.clock(opts)),
    markets: () => timed('markets', () => venue.markets()),
    market: (symbol) => timed('market', () => venue.market(symbol)),
    position: (symbol) => timed('position', () => venue.position(symbol)),
    positions: () => timed('positions', () => venue.positions()),
    placeReduceOnlyMarketOrder: (req) => timed('place_order', () => venue.placeReduceOnlyMarketOrder(req)),
    findOrder: (symbol, clientOrderId) => timed('find_order', () => venue.findOrder(symbol, clientOrderId)),
    close: () => venue.close(),
  };
}

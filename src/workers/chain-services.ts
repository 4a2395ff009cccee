// Opens what the activities need (store, exchange venue) from the environment, and closes it again.
import { createPlanActivities } from '../activities/plan-activities.js';
import type { PermitMirror } from '../store/permit-mirror.js';
import type { PlanActivities, WorkflowRuns } from '../activities/contract.js';
import { venueConfigFromEnv, withHiddenCredentials } from '../config/exchange.js';
import { createVenue } from '../exchange/ccxt-venue.js';
import type { Venue, VenueConfig } from '../exchange/venue.js';
import { storeConfigFromEnv } from '../config/store.js';
import type { Env } from '../config/settings.js';
import type { Client } from '@temporalio/client';
import { instrumentActivities, instrumentVenue } from './instrument.js';
import type { ChainMetrics } from './metrics.js';
import { temporalWorkflowRuns } from './workflow-runs.js';
import { openStore, type Store, type StoreConfig } from '../store/index.js';
import { chainPolicyFromEnv, chainSettingsFromEnv } from '../config/chain.js';
import { orderTimingProblem } from '../domain/order-protocol.js';
import { DEFAULT_EXCHANGE_TIMEOUT_MS } from '../exchange/ccxt-venue.js';
import type { ChainSettings } from '../domain/chain-policy.js';

export interface ChainServices {
  store: Store;
  venue: Venue;
  settings: ChainSettings;
  activities: PlanActivities;
  close(): Promise<void>;
}

export interface ChainServicesOverrides {
  store?: StoreConfig;
  venue?: Partial<VenueConfig>;
  mirror?: PermitMirror;
  /** Temporal's view of workflow runs (a symbol's turn held by a closed run is freed); the worker's client. */
  workflowRuns?: WorkflowRuns;
  /** Wraps the exchange adapter the activities use (the worker process adds metrics around it). */
  wrapVenue?: (venue: Venue) => Venue;
}

export async function openChainServices(env: Env | undefined, overrides: ChainServicesOverrides = {}): Promise<ChainServices> {
  const fromEnv = venueConfigFromEnv(env);
  // Spelled out: the credentials are non-enumerable (kept out of logs), so a spread would drop them.
  const venueConfig = withHiddenCredentials({
    venue: overrides.venue?.venue ?? fromEnv.venue,
    apiKey: overrides.venue?.apiKey ?? fromEnv.apiKey,
    secret: overrides.venue?.secret ?? fromEnv.secret,
    ...(overrides.venue?.baseUrl ?? fromEnv.baseUrl ? { baseUrl: overrides.venue?.baseUrl ?? fromEnv.baseUrl } : {}),
    ...(overrides.venue?.timeoutMs ?? fromEnv.timeoutMs ? { timeoutMs: overrides.venue?.timeoutMs ?? fromEnv.timeoutMs } : {}),
    ...(fromEnv.clockMaxAgeMs ? { clockMaxAgeMs: fromEnv.clockMaxAgeMs } : {}),
  });
  const settings = chainSettingsFromEnv(venueConfig.venue, env);
  refuseUnsafeOrderTiming(settings, venueConfig, env);
  const store = await openStore(overrides.store ?? storeConfigFromEnv(env));
  const venue = overrides.wrapVenue ? overrides.wrapVenue(createVenue(venueConfig)) : createVenue(venueConfig);
  const activities = createPlanActivities({
    venue,
    store,
    settings,
    ...(overrides.mirror ? { mirror: overrides.mirror } : {}),
    ...(overrides.workflowRuns ? { workflowRuns: overrides.workflowRuns } : {}),
  });
  return {
    store,
    venue,
    settings,
    activities,
    close: async () => {
      await venue.close();
      await store.close();
    },
  };
}

export interface InstrumentedServicesOptions {
  metrics: ChainMetrics;
  /** The worker's client: Temporal's view of workflow runs (a symbol's turn held by a closed run is freed). */
  client: Client;
  store?: StoreConfig;
  venue?: Partial<VenueConfig>;
  mirror?: PermitMirror;
}

/**
 * The activity stack every worker runs, the pod's and the embedded stack's alike: the store and the venue
 * from the settings, the exchange calls and the permit decisions counted in `metrics`.
 */
export async function openInstrumentedServices(env: Env | undefined, opts: InstrumentedServicesOptions): Promise<ChainServices> {
  const services = await openChainServices(env, {
    ...(opts.store ? { store: opts.store } : {}),
    ...(opts.venue ? { venue: opts.venue } : {}),
    ...(opts.mirror ? { mirror: opts.mirror } : {}),
    workflowRuns: temporalWorkflowRuns(opts.client),
    wrapVenue: (venue) => instrumentVenue(venue, opts.metrics),
  });
  return { ...services, activities: instrumentActivities(services.activities, opts.metrics) };
}

/** The settings the order protocol's safety rests on, checked together: an unsafe combination does not start. */
function refuseUnsafeOrderTiming(settings: ChainSettings, venue: VenueConfig, env: Env | undefined): void {
  const policy = chainPolicyFromEnv(env);
  const problem = orderTimingProblem({
    ttlSeconds: settings.ttlSeconds,
    orderAttemptTimeoutMs: policy.orderAttemptTimeoutMs,
    exchangeTimeoutMs: venue.timeoutMs ?? DEFAULT_EXCHANGE_TIMEOUT_MS,
    clockSkewBoundMs: settings.clockSkewBoundMs,
    settleBoundMs: settings.settleBoundMs,
    minOrderWindowMs: policy.minOrderWindowMs,
  });
  if (problem !== null) throw new Error(problem);
}

// What the campaign runs its workers against: a fresh PostgreSQL schema (dropped afterwards), the paper
// exchange's markets (big long positions, so that repeated partial closes never reach the minimum), and a
// worker environment that inherits nothing chain-related from the shell.
import { randomBytes } from 'node:crypto';
import { longPositionsScenario } from '../bench/markets.js';
import { displayUrl, withPg } from '../bench/services.js';

export { displayUrl, withPg };

/** The machine's PostgreSQL (CAMPAIGN_DATABASE_URL overrides it). */
export const DEFAULT_CAMPAIGN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export function newCampaignSchema(): string {
  return `campaign_${randomBytes(6).toString('hex')}`;
}

export async function dropCampaignSchema(url: string, schema: string): Promise<void> {
  if (!/^campaign_[0-9a-f]{12}$/.test(schema)) throw new Error(`refusing to drop schema ${schema}: not a campaign schema`);
  await withPg(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/** Settings the chain reads from the environment: never inherited from the shell running the campaign. */
const CHAIN_ENV = /^(TEMPORAL_|DATABASE_|REDIS_|PLAN_|EXCHANGE_|PAPER_|PERMIT_|RECONCILE_WAIT|MAX_|MIN_ORDER|ORDER_|PAUSE_POLL|POSITION_TOLERANCE|DRIFT_|TURN_CHECK|WORKFLOW_BUNDLE|WORKER_|HEALTH_PORT|METRICS_PORT|LISTEN_HOST|LOG_LEVEL)/;

export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!CHAIN_ENV.test(k)) env[k] = v;
  return { ...env, TEMPORAL_LOG_LEVEL: 'ERROR', ...extra };
}

/** Every campaign market starts long this much, at a mark price of 1; the ledger starts equal. */
export const CAMPAIGN_POSITION = '1000000';
export const CAMPAIGN_MARK_PRICE = '1';
/** Between two plans of a symbol, a position below this is set back to CAMPAIGN_POSITION (exchange and ledger). */
export const REFILL_BELOW = 1_000;

export function campaignSymbols(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `CAMP${i}USDT`);
}

export function campaignScenario(symbols: readonly string[]): object {
  return longPositionsScenario({
    name: 'campaign',
    description: 'fault campaign: one market per symbol lane, big long positions',
    symbols,
    position: CAMPAIGN_POSITION,
    markPrice: CAMPAIGN_MARK_PRICE,
    tickSize: '0.0001',
    maxQty: '100000000',
    walletBalance: '1000000000',
  });
}

// What the campaign runs its workers against: a fresh PostgreSQL schema (dropped afterwards), the paper
// exchange's markets (big long positions, so that repeated partial closes never reach the minimum), and a
// worker environment that inherits nothing chain-related from the shell.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The machine's PostgreSQL (CAMPAIGN_DATABASE_URL overrides it). */
export const DEFAULT_CAMPAIGN_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/test';

export async function withPg<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

export function newCampaignSchema(): string {
  return `campaign_${randomBytes(6).toString('hex')}`;
}

export async function dropCampaignSchema(url: string, schema: string): Promise<void> {
  if (!/^campaign_[0-9a-f]{12}$/.test(schema)) throw new Error(`refusing to drop schema ${schema}: not a campaign schema`);
  await withPg(url, (c) => c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`));
}

/** Redacts the password of a connection URL for the report. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/[^@]*@/, '//');
}

/** Settings the chain reads from the environment: never inherited from the shell running the campaign. */
const CHAIN_ENV = /^(TEMPORAL_|DATABASE_|REDIS_|PLAN_|EXCHANGE_|PAPER_|PERMIT_|RECONCILE_WAIT|MAX_|MIN_ORDER|ORDER_|PAUSE_POLL|POSITION_TOLERANCE|WORKFLOW_BUNDLE|WORKER_|HEALTH_PORT|METRICS_PORT|LISTEN_HOST|LOG_LEVEL)/;

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
  return {
    name: 'campaign',
    description: 'fault campaign: one market per symbol lane, big long positions',
    defaultLeverage: 20,
    accounts: [{ apiKey: 'paper-key', secret: 'paper-secret' }],
    markets: symbols.map((symbol) => ({
      symbol,
      baseAsset: symbol.replace(/USDT$/, ''),
      quoteAsset: 'USDT',
      tickSize: '0.0001',
      stepSize: '0.001',
      minQty: '0.001',
      maxQty: '100000000',
      minNotional: '5',
      markPrice: CAMPAIGN_MARK_PRICE,
    })),
    positions: symbols.map((symbol) => ({ symbol, amount: CAMPAIGN_POSITION, entryPrice: CAMPAIGN_MARK_PRICE })),
    balances: [{ asset: 'USDT', walletBalance: '1000000000' }],
  };
}

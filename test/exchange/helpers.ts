import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';
import type { BinanceUsdm } from '../../src/exchange/ccxt-lib.js';
import { createCcxtExchange } from '../../src/exchange/ccxt-venue.js';
import { loadScenarioFile, startPaperExchange, type PaperExchange } from '../../src/exchange/paper/index.js';
import type { FaultInput, OrderLogEntry, PaperOrder, Scenario } from '../../src/exchange/paper/index.js';
import type { VenueConfig } from '../../src/exchange/venue.js';

export const SEED_PATH = fileURLToPath(new URL('../../scenarios/seed.json', import.meta.url));
export const BTC = 'BTC/USDT:USDT';

/** The seed scenario, with `overrides` (e.g. `{ strictClientOrderIds: true }`) on top. */
export async function startSeedPaper(now?: () => number, overrides: Partial<Scenario> = {}): Promise<PaperExchange> {
  const scenario = { ...(await loadScenarioFile(SEED_PATH)), ...overrides };
  return startPaperExchange({ port: 0, scenario, ...(now ? { now } : {}) });
}

export function paperConfig(paper: PaperExchange, overrides: Partial<VenueConfig> = {}): VenueConfig {
  return { venue: 'paper', baseUrl: paper.url, apiKey: 'paper-key', secret: 'paper-secret', timeoutMs: 3000, ...overrides };
}

export async function admin(paper: PaperExchange, method: string, path: string, body?: unknown) {
  const res = await fetch(`${paper.url}${path}`, {
    method,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
  });
  return { status: res.status, body: (await res.json()) as unknown };
}

export async function addFault(paper: PaperExchange, fault: FaultInput): Promise<void> {
  const res = await admin(paper, 'POST', '/_paper/faults', fault);
  if (res.status !== 200) throw new Error(`fault refused: ${JSON.stringify(res.body)}`);
}

/** Rejects with whatever the promise throws; fails the test when it resolves. */
export async function caught(promise: Promise<unknown>): Promise<Error & Record<string, unknown>> {
  try {
    await promise;
  } catch (err) {
    return err as Error & Record<string, unknown>;
  }
  throw new Error('expected a failure, got success');
}

export async function orderLog(paper: PaperExchange): Promise<OrderLogEntry[]> {
  return (await admin(paper, 'GET', '/_paper/orders')).body as OrderLogEntry[];
}

/** Orders on the paper exchange's book (what executed), as GET /_paper/state shows them. */
export async function bookedOrders(paper: PaperExchange): Promise<PaperOrder[]> {
  return ((await admin(paper, 'GET', '/_paper/state')).body as { orders: PaperOrder[] }).orders;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `probe` until it gives a value other than undefined; fails after `timeoutMs`. */
export async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

/**
 * For a describe block: `start()` runs the seed paper exchange (host clock `now`, scenario `overrides`) with a
 * raw ccxt binanceusdm client on it (`config` overrides its settings); both are closed after each test.
 */
export function useRawCcxtOnPaper(): (now?: () => number, overrides?: Partial<Scenario>, config?: Partial<VenueConfig>) => Promise<{ paper: PaperExchange; client: BinanceUsdm }> {
  let paper: PaperExchange | undefined;
  let client: BinanceUsdm | undefined;
  afterEach(async () => {
    await client?.close();
    await paper?.close();
    paper = undefined;
    client = undefined;
  });
  return async (now, overrides = {}, config = {}) => {
    paper = await startSeedPaper(now, overrides);
    client = createCcxtExchange(paperConfig(paper, config));
    return { paper, client };
  };
}

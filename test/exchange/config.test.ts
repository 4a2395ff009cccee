import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCcxtExchange, createVenue } from '../../src/exchange/ccxt-venue.js';
import { DEFAULT_PAPER_URL, venueConfigFromEnv } from '../../src/config/exchange.js';
import type { PaperExchange } from '../../src/exchange/paper/index.js';
import { caught, startSeedPaper } from './helpers.js';

const KEY = 'AKIA-distinctive-key-4f1c';
const SECRET = 'sEcReT-distinctive-value-9b7e';

function leaks(text: string): boolean {
  return text.includes(KEY) || text.includes(SECRET);
}

describe('venue configuration from the environment', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'permit-chain-config-'));
  });

  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('defaults to the paper venue with the paper credentials', () => {
    const cfg = venueConfigFromEnv({});
    expect(cfg).toMatchObject({ venue: 'paper', baseUrl: DEFAULT_PAPER_URL });
    expect([cfg.apiKey, cfg.secret]).toEqual(['paper-key', 'paper-secret']);
    expect(venueConfigFromEnv({ PAPER_EXCHANGE_URL: 'http://127.0.0.1:9', EXCHANGE_TIMEOUT_MS: '2500' })).toMatchObject({
      baseUrl: 'http://127.0.0.1:9',
      timeoutMs: 2500,
    });
  });

  it('reads Binance credentials from variables or secret files, and requires them', async () => {
    const keyFile = join(dir, 'key');
    await writeFile(keyFile, `${KEY}\n`);
    const cfg = venueConfigFromEnv({ EXCHANGE_VENUE: 'binance-demo', EXCHANGE_API_KEY_FILE: keyFile, EXCHANGE_API_SECRET: SECRET });
    expect(cfg.venue).toBe('binance-demo');
    expect(cfg.baseUrl).toBeUndefined();
    expect([cfg.apiKey, cfg.secret]).toEqual([KEY, SECRET]);
    expect(() => venueConfigFromEnv({ EXCHANGE_VENUE: 'binance-live', EXCHANGE_API_KEY: KEY })).toThrow(
      'the binance-live venue needs EXCHANGE_API_SECRET or EXCHANGE_API_SECRET_FILE',
    );
    expect(() => venueConfigFromEnv({ EXCHANGE_VENUE: 'kraken' })).toThrow(/EXCHANGE_VENUE must be one of/);
    expect(() => venueConfigFromEnv({ EXCHANGE_TIMEOUT_MS: 'soon' })).toThrow(/EXCHANGE_TIMEOUT_MS/);
  });

  it('never shows the credentials in JSON, inspect output, spreads or errors', () => {
    const cfg = venueConfigFromEnv({ EXCHANGE_VENUE: 'binance-live', EXCHANGE_API_KEY: KEY, EXCHANGE_API_SECRET: SECRET });
    expect(leaks(JSON.stringify(cfg))).toBe(false);
    expect(leaks(inspect(cfg, { depth: 5 }))).toBe(false);
    expect(leaks(JSON.stringify({ ...cfg }))).toBe(false);
    expect(leaks(String(cfg))).toBe(false);
    expect(JSON.parse(JSON.stringify(cfg))).toMatchObject({ venue: 'binance-live', apiKey: '[redacted]', secret: '[redacted]' });
    let message = '';
    try {
      venueConfigFromEnv({ EXCHANGE_VENUE: 'binance-live', EXCHANGE_API_KEY: KEY, EXCHANGE_API_KEY_FILE: '/x', EXCHANGE_API_SECRET: SECRET });
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toBe('set only one of EXCHANGE_API_KEY and EXCHANGE_API_KEY_FILE');
  });
});

describe('secrets and the venue', () => {
  let paper: PaperExchange;

  beforeEach(async () => {
    paper = await startSeedPaper();
  });

  afterEach(async () => {
    await paper.close();
  });

  it('never shows the credentials in the venue or its errors', async () => {
    // The paper exchange knows neither value, so every signed call fails with an error the venue redacts.
    const venue = createVenue({ venue: 'paper', baseUrl: paper.url, apiKey: KEY, secret: SECRET, timeoutMs: 300 });
    try {
      expect(leaks(JSON.stringify(venue))).toBe(false);
      expect(leaks(inspect(venue, { depth: 10, showHidden: true }))).toBe(false);
      expect(leaks(String(venue))).toBe(false);
      const auth = await caught(venue.position('BTCUSDT'));
      expect(auth).toMatchObject({ kind: 'rejected', exchangeCode: -2015 });
      paper.faults.add({ method: 'GET', path: '/fapi/v1/order', count: 1, action: { type: 'latency', ms: 1000 } });
      const timeout = await caught(venue.findOrder('BTCUSDT', 'x'));
      expect(timeout).toMatchObject({ kind: 'retryable', errorClass: 'RequestTimeout' });
      expect(String(timeout.message)).toContain('signature=***');
      // Even an exchange that echoes the key back does not get it into the error.
      paper.faults.add({ method: 'GET', path: '/fapi/v1/order', count: 1, action: { type: 'binance_error', status: 401, code: -2015, msg: `Invalid API-key ${KEY}` } });
      const echoed = await caught(venue.findOrder('BTCUSDT', 'x'));
      expect(echoed).toMatchObject({ kind: 'rejected', exchangeCode: -2015, exchangeReason: 'Invalid API-key ***' });
      for (const err of [auth, timeout, echoed]) {
        expect(leaks(`${err.message} ${String(err.stack)} ${JSON.stringify(err)} ${inspect(err)}`)).toBe(false);
      }
    } finally {
      await venue.close();
    }
  });
});

describe('venue hosts (no network)', () => {
  const creds = { apiKey: KEY, secret: SECRET };

  it('paper talks only to its base URL, with the production futures error table', () => {
    const paperClient = createCcxtExchange({ venue: 'paper', baseUrl: 'http://127.0.0.1:8899', ...creds });
    const urls = Object.values(paperClient.urls['api'] as Record<string, string>);
    expect(urls.length).toBeGreaterThan(0);
    expect(urls.every((u) => u.startsWith('http://127.0.0.1:8899/'))).toBe(true);
    expect(paperClient.getExceptionsByUrl('http://127.0.0.1:8899/fapi/v1/order', 'exact')['-2019']?.name).toBe('InsufficientFunds');
  });

  it('binance-demo uses the demo futures hosts and binance-live the production ones; neither has the paper override', () => {
    const demo = createCcxtExchange({ venue: 'binance-demo', ...creds });
    const live = createCcxtExchange({ venue: 'binance-live', ...creds });
    const demoUrl = String((demo.urls['api'] as Record<string, string>)['fapiPrivate']);
    const liveUrl = String((live.urls['api'] as Record<string, string>)['fapiPrivate']);
    expect(demoUrl).toMatch(/^https:\/\/demo-fapi\./);
    expect(liveUrl).toMatch(/^https:\/\/fapi\.binance\.com\//);
    expect(live.getExceptionsByUrl('http://127.0.0.1:8899/fapi/v1/order', 'exact')).toEqual({});
  });
});

import { describe, expect, it } from 'vitest';
import { BinanceApiError } from '../../src/exchange/paper/binance-errors.js';
import { createCcxtExchange } from '../../src/exchange/ccxt-venue.js';
import { signPayload, splitSignature, verifySignedRequest } from '../../src/exchange/paper/signing.js';

// The worked example of Binance's API documentation ("SIGNED endpoint examples").
const DOC_SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const DOC_QUERY = 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559';
const DOC_SIGNATURE = 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71';

const accounts = [{ apiKey: 'k', secret: DOC_SECRET }];

const DOC_TIME = 1499827319559;

function verify(totalParams: string, opts: { serverTimeMs?: number; apiKeyHeader?: string | undefined } = {}) {
  const apiKeyHeader = 'apiKeyHeader' in opts ? opts.apiKeyHeader : 'k';
  return verifySignedRequest({ apiKeyHeader, totalParams, accounts, serverTimeMs: opts.serverTimeMs ?? DOC_TIME });
}

function binanceCode(run: () => unknown): number {
  try {
    run();
  } catch (err) {
    if (err instanceof BinanceApiError) return err.code;
    throw err;
  }
  throw new Error('expected a BinanceApiError');
}

describe('request signing', () => {
  it('matches the HMAC-SHA256 example of the Binance documentation', () => {
    expect(signPayload(DOC_SECRET, DOC_QUERY)).toBe(DOC_SIGNATURE);
  });

  it('splits the signature off the raw text', () => {
    expect(splitSignature(`${DOC_QUERY}&signature=${DOC_SIGNATURE}`)).toEqual({ payload: DOC_QUERY, signature: DOC_SIGNATURE });
    expect(splitSignature(DOC_QUERY)).toBeNull();
  });

  it('accepts a correctly signed request and returns its parameters without the signature', () => {
    const params = verify(`${DOC_QUERY}&signature=${DOC_SIGNATURE}`);
    expect(params).toMatchObject({ symbol: 'LTCBTC', quantity: '1', timestamp: '1499827319559' });
    expect(params).not.toHaveProperty('signature');
  });

  it('answers Binance codes for a bad signature, missing or unknown key, and a stale or early timestamp', () => {
    const tampered = DOC_QUERY.replace('quantity=1', 'quantity=2');
    expect(binanceCode(() => verify(`${tampered}&signature=${DOC_SIGNATURE}`))).toBe(-1022);
    const signed = `${DOC_QUERY}&signature=${DOC_SIGNATURE}`;
    expect(binanceCode(() => verify(signed, { apiKeyHeader: undefined }))).toBe(-2014);
    expect(binanceCode(() => verify(signed, { apiKeyHeader: 'other' }))).toBe(-2015);
    // recvWindow=5000 in the example: 5000 ms late is fine, 5001 is not. Binance accepts only
    // timestamp < serverTime + 1000: 999 ms ahead is fine, 1000 is not.
    expect(() => verify(signed, { serverTimeMs: DOC_TIME + 5000 })).not.toThrow();
    expect(binanceCode(() => verify(signed, { serverTimeMs: DOC_TIME + 5001 }))).toBe(-1021);
    expect(() => verify(signed, { serverTimeMs: DOC_TIME - 999 })).not.toThrow();
    expect(binanceCode(() => verify(signed, { serverTimeMs: DOC_TIME - 1000 }))).toBe(-1021);
  });

  it('verifies what ccxt signs for a POST body', () => {
    const client = createCcxtExchange({ venue: 'paper', baseUrl: 'http://127.0.0.1:1', apiKey: 'k', secret: DOC_SECRET });
    const signed = client.sign('order', 'fapiPrivate', 'POST', {
      symbol: 'BTCUSDT',
      side: 'SELL',
      type: 'MARKET',
      quantity: '0.046',
      newClientOrderId: 'a/b:c_d-e.f',
      reduceOnly: 'true',
    }) as { body: string; headers: Record<string, string> };
    expect(signed.headers['X-MBX-APIKEY']).toBe('k');
    const params = verify(signed.body, { serverTimeMs: Date.now() });
    expect(params).toMatchObject({ quantity: '0.046', newClientOrderId: 'a/b:c_d-e.f' });
  });
});

import { createHmac, timingSafeEqual } from 'node:crypto';
import { BinanceApiError, binanceErrors } from './binance-errors.js';

export interface ApiAccount {
  apiKey: string;
  secret: string;
}

/** Binance's HMAC-SHA256 request signature: lowercase hex over the raw parameter text. */
export function signPayload(secret: string, payload: string): string {
  return createHmac('sha256', secret).update(payload, 'utf8').digest('hex');
}

/**
 * Splits Binance's "total params" (query string followed by the body, as received) into the signed
 * payload (everything before `&signature=`) and the signature value.
 */
export function splitSignature(totalParams: string): { payload: string; signature: string } | null {
  const marker = '&signature=';
  const at = totalParams.lastIndexOf(marker);
  if (at < 0) return null;
  const rest = totalParams.slice(at + marker.length);
  const end = rest.indexOf('&');
  return { payload: totalParams.slice(0, at), signature: end < 0 ? rest : rest.slice(0, end) };
}

/** Everything except the signature, decoded like Binance decodes form/query parameters. */
export function paramsWithoutSignature(totalParams: string): Record<string, string> {
  const params: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(totalParams)) {
    if (key !== 'signature') params[key] = value;
  }
  return params;
}

function sameSignature(expectedHex: string, givenHex: string): boolean {
  const expected = Buffer.from(expectedHex, 'utf8');
  const given = Buffer.from(givenHex.toLowerCase(), 'utf8');
  return expected.length === given.length && timingSafeEqual(expected, given);
}

export interface SignedRequestInput {
  apiKeyHeader: string | undefined;
  totalParams: string;
  accounts: readonly ApiAccount[];
  serverTimeMs: number;
}

const MAX_RECV_WINDOW_MS = 60_000;
const DEFAULT_RECV_WINDOW_MS = 5_000;
/** Binance accepts only `timestamp < serverTime + 1000`: a timestamp 1 s or more ahead is refused. */
const MAX_AHEAD_MS = 1_000;

function findAccount(apiKeyHeader: string | undefined, accounts: readonly ApiAccount[]): ApiAccount {
  if (apiKeyHeader === undefined || apiKeyHeader === '') throw binanceErrors.badApiKeyFormat();
  const account = accounts.find((a) => a.apiKey === apiKeyHeader);
  if (account === undefined) throw binanceErrors.unknownApiKey();
  return account;
}

function checkTimestamp(params: Record<string, string>, serverTimeMs: number): void {
  const timestamp = Number(params['timestamp']);
  if (!params['timestamp'] || !Number.isInteger(timestamp)) throw binanceErrors.mandatoryParam('timestamp');
  const recvWindow = params['recvWindow'] === undefined ? DEFAULT_RECV_WINDOW_MS : Number(params['recvWindow']);
  if (!Number.isInteger(recvWindow) || recvWindow <= 0 || recvWindow > MAX_RECV_WINDOW_MS) {
    throw new BinanceApiError(400, -1131, 'recvWindow must be less than 60000');
  }
  if (timestamp - serverTimeMs >= MAX_AHEAD_MS) throw binanceErrors.aheadTimestamp();
  if (serverTimeMs - timestamp > recvWindow) throw binanceErrors.staleTimestamp();
}

/**
 * Authenticates a signed (USER_DATA / TRADE) request the way Binance does: API key header, then the
 * HMAC over the raw text before `&signature=`, then the timestamp against recvWindow.
 * Returns the decoded parameters (without the signature); throws a BinanceApiError otherwise.
 */
export function verifySignedRequest(input: SignedRequestInput): Record<string, string> {
  const account = findAccount(input.apiKeyHeader, input.accounts);
  const split = splitSignature(input.totalParams);
  if (split === null) throw binanceErrors.mandatoryParam('signature');
  if (!sameSignature(signPayload(account.secret, split.payload), split.signature)) {
    throw binanceErrors.badSignature();
  }
  const params = paramsWithoutSignature(input.totalParams);
  checkTimestamp(params, input.serverTimeMs);
  return params;
}

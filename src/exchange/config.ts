import { inspect } from 'node:util';
import { secretFromEnv } from '../config/secrets.js';
import { VENUE_NAMES, type VenueConfig, type VenueName } from './venue.js';

export const DEFAULT_PAPER_URL = 'http://127.0.0.1:8899';
export const PAPER_API_KEY = 'paper-key';
export const PAPER_API_SECRET = 'paper-secret';

type Env = Record<string, string | undefined>;

function parseVenue(value: string | undefined): VenueName {
  const venue = value === undefined || value === '' ? 'paper' : value;
  if (!(VENUE_NAMES as readonly string[]).includes(venue)) {
    throw new Error(`EXCHANGE_VENUE must be one of ${VENUE_NAMES.join(', ')} (got ${JSON.stringify(venue)})`);
  }
  return venue as VenueName;
}

function parseMs(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`${name} must be a positive integer (got ${JSON.stringify(value)})`);
  return ms;
}

/**
 * A VenueConfig whose credentials are readable but not enumerable: JSON.stringify, util.inspect,
 * spreading and structured logging (pino) all leave them out.
 */
export function withHiddenCredentials(cfg: VenueConfig): VenueConfig {
  const visible: Omit<VenueConfig, 'apiKey' | 'secret'> = {
    venue: cfg.venue,
    ...(cfg.baseUrl !== undefined ? { baseUrl: cfg.baseUrl } : {}),
    ...(cfg.timeoutMs !== undefined ? { timeoutMs: cfg.timeoutMs } : {}),
    ...(cfg.clockMaxAgeMs !== undefined ? { clockMaxAgeMs: cfg.clockMaxAgeMs } : {}),
  };
  const hidden = { apiKey: '[redacted]', secret: '[redacted]' };
  return Object.defineProperties(visible, {
    apiKey: { value: cfg.apiKey, enumerable: false },
    secret: { value: cfg.secret, enumerable: false },
    toJSON: { value: () => ({ ...visible, ...hidden }), enumerable: false },
    [inspect.custom]: { value: () => ({ ...visible, ...hidden }), enumerable: false },
  }) as VenueConfig;
}

/**
 * EXCHANGE_VENUE (paper | binance-demo | binance-live; default paper), PAPER_EXCHANGE_URL,
 * EXCHANGE_API_KEY / EXCHANGE_API_KEY_FILE, EXCHANGE_API_SECRET / EXCHANGE_API_SECRET_FILE,
 * EXCHANGE_TIMEOUT_MS, EXCHANGE_CLOCK_MAX_AGE_MS. The paper venue defaults to paper-key / paper-secret; Binance venues need both.
 */
export function venueConfigFromEnv(env: Env = process.env): VenueConfig {
  const venue = parseVenue(env['EXCHANGE_VENUE']);
  const isPaper = venue === 'paper';
  const apiKey = secretFromEnv(env, 'EXCHANGE_API_KEY') ?? (isPaper ? PAPER_API_KEY : undefined);
  const secret = secretFromEnv(env, 'EXCHANGE_API_SECRET') ?? (isPaper ? PAPER_API_SECRET : undefined);
  if (apiKey === undefined) throw new Error(`the ${venue} venue needs EXCHANGE_API_KEY or EXCHANGE_API_KEY_FILE`);
  if (secret === undefined) throw new Error(`the ${venue} venue needs EXCHANGE_API_SECRET or EXCHANGE_API_SECRET_FILE`);
  const timeoutMs = parseMs('EXCHANGE_TIMEOUT_MS', env['EXCHANGE_TIMEOUT_MS']);
  const clockMaxAgeMs = parseMs('EXCHANGE_CLOCK_MAX_AGE_MS', env['EXCHANGE_CLOCK_MAX_AGE_MS']);
  return withHiddenCredentials({
    venue,
    ...(isPaper ? { baseUrl: env['PAPER_EXCHANGE_URL'] || DEFAULT_PAPER_URL } : {}),
    apiKey,
    secret,
    ...(timeoutMs !== undefined ? { timeoutMs } : {}),
    ...(clockMaxAgeMs !== undefined ? { clockMaxAgeMs } : {}),
  });
}

// Which exchange the worker trades on and with which credentials.
import { inspect } from 'node:util';
import { ConfigError, readSettingsOf, VENUE_NAMES, type Env } from './settings.js';

export { VENUE_NAMES };
export type VenueName = (typeof VENUE_NAMES)[number];

export interface VenueConfig {
  venue: VenueName;
  /** Paper venue only: the paper exchange's base URL (http://127.0.0.1:PORT). */
  baseUrl?: string;
  apiKey: string;
  secret: string;
  timeoutMs?: number;
  /** How old a measurement of the exchange clock may get before it is measured again (ms). */
  clockMaxAgeMs?: number;
}

export const DEFAULT_PAPER_URL = 'http://127.0.0.1:8899';
export const PAPER_API_KEY = 'paper-key';
export const PAPER_API_SECRET = 'paper-secret';

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

/** The venue chosen by EXCHANGE_VENUE, without asking for its credentials (who starts a paper exchange needs no key). */
export function venueNameFromEnv(env: Env = process.env): { venue: VenueName; paperUrl: string | null } {
  const s = readSettingsOf(env, ['EXCHANGE_VENUE', 'PAPER_EXCHANGE_URL']);
  return { venue: s.EXCHANGE_VENUE, paperUrl: s.PAPER_EXCHANGE_URL ?? null };
}

/** The paper venue defaults to paper-key / paper-secret; Binance venues need both credentials. */
export function venueConfigFromEnv(env: Env = process.env): VenueConfig {
  const s = readSettingsOf(env, ['EXCHANGE_VENUE', 'PAPER_EXCHANGE_URL', 'EXCHANGE_API_KEY', 'EXCHANGE_API_SECRET', 'EXCHANGE_TIMEOUT_MS', 'EXCHANGE_CLOCK_MAX_AGE_MS']);
  const isPaper = s.EXCHANGE_VENUE === 'paper';
  const apiKey = s.EXCHANGE_API_KEY ?? (isPaper ? PAPER_API_KEY : undefined);
  const secret = s.EXCHANGE_API_SECRET ?? (isPaper ? PAPER_API_SECRET : undefined);
  if (apiKey === undefined) throw new ConfigError(`the ${s.EXCHANGE_VENUE} venue needs EXCHANGE_API_KEY or EXCHANGE_API_KEY_FILE`);
  if (secret === undefined) throw new ConfigError(`the ${s.EXCHANGE_VENUE} venue needs EXCHANGE_API_SECRET or EXCHANGE_API_SECRET_FILE`);
  return withHiddenCredentials({
    venue: s.EXCHANGE_VENUE,
    ...(isPaper ? { baseUrl: s.PAPER_EXCHANGE_URL ?? DEFAULT_PAPER_URL } : {}),
    apiKey,
    secret,
    ...(s.EXCHANGE_TIMEOUT_MS !== undefined ? { timeoutMs: s.EXCHANGE_TIMEOUT_MS } : {}),
    ...(s.EXCHANGE_CLOCK_MAX_AGE_MS !== undefined ? { clockMaxAgeMs: s.EXCHANGE_CLOCK_MAX_AGE_MS } : {}),
  });
}

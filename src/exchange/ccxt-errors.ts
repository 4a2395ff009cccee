import { DDoSProtection, ExchangeError, ExchangeNotAvailable, InvalidNonce, OperationFailed, RateLimitExceeded } from './ccxt-lib.js';
import { VenueError } from './venue.js';

/** Removes credentials and request signatures from text that may end up in errors or logs. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text.replace(/signature=[0-9a-fA-F]+/g, 'signature=***');
  for (const secret of secrets) {
    if (secret.length > 0) out = out.split(secret).join('***');
  }
  return out;
}

/** ccxt messages end with the exchange's JSON body (`binanceusdm {"code":-2019,"msg":"..."}`). */
export function parseExchangeBody(message: string): { code: number | null; reason: string } {
  const start = message.indexOf('{');
  const end = message.lastIndexOf('}');
  if (start >= 0 && end > start) {
    try {
      const body = JSON.parse(message.slice(start, end + 1)) as { code?: unknown; msg?: unknown };
      const code = typeof body.code === 'number' ? body.code : null;
      if (typeof body.msg === 'string') return { code, reason: body.msg };
    } catch {
      // not a JSON body: fall through to the bare message
    }
  }
  return { code: null, reason: message.replace(/^binanceusdm\s+/, '') };
}

const CONNECTION_REFUSED = /ECONNREFUSED|ConnectionRefused/;
/** ccxt's HTTP-status errors read `binanceusdm POST <url> 503 Service Unavailable <body>`. */
const HTTP_STATUS = /^\S+ (?:GET|POST|PUT|DELETE) \S+ (\d{3}) /;

/**
 * Whether a failed order request may still have executed. Binance's rules: 503 and -1007 mean
 * "execution status unknown" (the order may execute later), as do other 5xx answers, -1000/-1006, a timeout
 * or a connection lost mid-request. Definitive "not executed": a refused connection, a rate limit
 * (429/418, -1003/-1015), a refused timestamp (-1021) and any other 4xx answer. Anything unrecognised is
 * treated as ambiguous: looking up an order that does not exist costs a lookup, the reverse costs a second order.
 */
function isAmbiguousOnPlacement(err: Error): boolean {
  if (err instanceof RateLimitExceeded || err instanceof DDoSProtection || err instanceof InvalidNonce) return false;
  const status = HTTP_STATUS.exec(err.message)?.[1];
  if (status === undefined && CONNECTION_REFUSED.test(err.message)) return false;
  if (err instanceof ExchangeNotAvailable && status !== undefined) return !status.startsWith('4');
  return true;
}

/**
 * ccxt raises a bare ExchangeError for a code it has no entry for (a 5xx with an unknown code among them):
 * on an order that is no definitive refusal.
 */
function isUnmappedExchangeError(err: Error): boolean {
  return err.constructor === ExchangeError;
}

/**
 * Maps any failure of a ccxt call to a VenueError: NetworkError family → retryable, ExchangeError
 * family → rejected (with Binance's code and reason), and on order placement the cases where the order
 * may exist → ambiguous.
 */
export function classifyCcxtError(err: unknown, opts: { placingOrder: boolean; secrets: readonly string[] }): VenueError {
  if (err instanceof VenueError) return err;
  const error = err instanceof Error ? err : new Error(String(err));
  const message = redactSecrets(error.message, opts.secrets);
  const { code, reason } = parseExchangeBody(message);
  const details = { errorClass: error.name, exchangeCode: code, exchangeReason: reason };
  if (error instanceof ExchangeError && !(opts.placingOrder && isUnmappedExchangeError(error))) return new VenueError({ kind: 'rejected', ...details });
  if (opts.placingOrder && isAmbiguousOnPlacement(error)) return new VenueError({ kind: 'ambiguous', ...details });
  if (error instanceof OperationFailed) return new VenueError({ kind: 'retryable', ...details });
  // Not a ccxt error at all (a bug or an unexpected answer shape): retrying may help, Temporal bounds it.
  return new VenueError({ kind: 'retryable', ...details });
}

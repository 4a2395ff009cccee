import { ExchangeError, NetworkError, OperationFailed, RequestTimeout } from './ccxt-lib.js';
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

/**
 * A timeout, or a connection lost mid-request, while placing an order does not tell whether the
 * order reached the book. A refused connection does: nothing was sent. HTTP answers such as 503 or
 * 429 are definite and stay retryable (re-sending with the same client id is safe: -4116).
 */
function isAmbiguousOnPlacement(err: Error): boolean {
  if (err instanceof RequestTimeout) return true;
  if (err instanceof NetworkError) return err.constructor === NetworkError && !CONNECTION_REFUSED.test(err.message);
  return true; // OperationFailed proper (-1000, bad or empty answers) and non-ccxt errors
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
  if (error instanceof ExchangeError) return new VenueError({ kind: 'rejected', ...details });
  if (opts.placingOrder && isAmbiguousOnPlacement(error)) return new VenueError({ kind: 'ambiguous', ...details });
  if (error instanceof OperationFailed) return new VenueError({ kind: 'retryable', ...details });
  // Not a ccxt error at all (a bug or an unexpected answer shape): retrying may help, Temporal bounds it.
  return new VenueError({ kind: 'retryable', ...details });
}

// The one place that loads ccxt at run time (everything else imports its types only): the real
// binanceusdm class and ccxt's error classes, from ccxt's own CommonJS build, file by file.
//
// Why not `import … from 'ccxt'`: the package exports only its all-exchanges entry. Measured RSS of a
// worker (docs/benchmarks.md, footprint): the ESM entry under tsx (bin/permitctl.js) +176 MB (≈1,900
// modules, every one through tsx's loader thread), the CommonJS entry +51 MB (the source of every
// exchange stays in the heap, ~30 MB of strings), these four files +15 MB. require() of CommonJS also
// bypasses tsx's ESM hooks. An absolute path is not subject to the package's "exports" map.
// The layout below is ccxt 4.5.x's (the version is pinned in package.json); test/exchange/ccxt-lib.test.ts
// checks it against the package entry, so an upgrade that moves files fails there, not in production.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Ccxt from 'ccxt';

const require = createRequire(import.meta.url);
/** …/node_modules/ccxt/dist/cjs (the package's "require" entry is dist/ccxt.cjs → ./cjs/ccxt.js). */
export const CCXT_CJS_DIR = join(dirname(require.resolve('ccxt')), 'cjs');

// ccxt's rollup build resolves a few bundled dependencies (dydx's long.js) through a registry that its
// entry file fills first; do the same before loading an exchange.
require(join(CCXT_CJS_DIR, '_virtual/_commonjsHelpers.js'));
require(join(CCXT_CJS_DIR, '_virtual/index.cjs.js'));
const exchangeModule = require(join(CCXT_CJS_DIR, 'src/binanceusdm.js')) as { default: typeof Ccxt.binanceusdm };
const errors = require(join(CCXT_CJS_DIR, 'src/base/errors.js')) as typeof Ccxt;

export const binanceusdm = exchangeModule.default;
export const { OrderNotFound, ExchangeError, NetworkError, OperationFailed, RequestTimeout, RateLimitExceeded, DDoSProtection, InvalidNonce, ExchangeNotAvailable } = errors;
/** Error classes for tests that check what the raw client throws. */
export const ccxtErrors = errors;
export type BinanceUsdm = Ccxt.binanceusdm;
export type { MarketInterface } from 'ccxt';

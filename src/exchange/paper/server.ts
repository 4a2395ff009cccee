import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { handleAdmin } from './admin-routes.js';
import { apiRoutes, orderRequestFrom } from './api-routes.js';
import { BinanceApiError, binanceErrors } from './binance-errors.js';
import { PaperClock } from './clock.js';
import { FaultQueue, type FaultAction } from './faults.js';
import { ORDER_PATH, OrderLog, type OrderLogEntry, type OrderOutcome } from './order-log.js';
import type { Scenario } from './scenario.js';
import { paramsWithoutSignature, verifySignedRequest } from './signing.js';
import { PaperState, type MarketOrderRequest } from './state.js';
import { orderJson } from './wire.js';
import { loadPaperSnapshot, savePaperSnapshot } from './persistence.js';

export interface PaperExchangeOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  /** Defaults to 127.0.0.1. */
  host?: string;
  scenario: Scenario;
  /**
   * The host clock (ms) under the exchange's clock; defaults to Date.now. Exchange time is this plus
   * the clock offset (the scenario's clockOffsetMs, then setClockOffset / POST /_paper/clock).
   */
  now?: () => number;
  /**
   * A file to keep the state in between runs: loaded at start when it exists (instead of the scenario's
   * positions and balances), written after every change.
   */
  statePath?: string;
}

export interface PaperExchange {
  /** e.g. http://127.0.0.1:43121 */
  url: string;
  port: number;
  state: PaperState;
  faults: FaultQueue;
  orderLog: OrderLog;
  /** Exchange time − host time (ms). Same as GET /_paper/clock's offsetMs. */
  clockOffsetMs(): number;
  /** Same as POST /_paper/clock. */
  setClockOffset(ms: number): void;
  /** Same as POST /_paper/reset (which also restores the scenario's clock offset). */
  reset(): void;
  close(): Promise<void>;
}

interface Answer {
  status: number;
  body: unknown;
}

type UnknownThenExecute = Extract<FaultAction, { type: 'unknown_then_execute' }>;
type PartialFill = Extract<FaultAction, { type: 'partial_fill' }>;

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);
const MAX_BODY_BYTES = 1_000_000;

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json;charset=UTF-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = chunk as Buffer;
    size += buf.length;
    if (size > MAX_BODY_BYTES) throw new BinanceApiError(413, -1000, 'Request body too large.');
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** The raw query text exactly as sent: signatures are computed over these bytes, not a re-encoding. */
function rawQueryOf(reqUrl: string): string {
  const at = reqUrl.indexOf('?');
  return at < 0 ? '' : reqUrl.slice(at + 1);
}

function answerFor(err: unknown): Answer {
  if (err instanceof BinanceApiError) return { status: err.status, body: err.body() };
  return { status: 500, body: binanceErrors.unknown().body() };
}

/** What Binance answers when it cannot tell whether an order was placed. */
function unknownStatusAnswer(kind: '503' | '-1007'): Answer {
  if (kind === '-1007') return answerFor(binanceErrors.backendTimeout());
  return { status: 503, body: { msg: 'Service Unavailable' } };
}

/** An order answered "status unknown" executes now, under the checks of this moment. */
function executeLate(state: PaperState, order: MarketOrderRequest, at: number): OrderOutcome {
  try {
    const placed = state.placeMarketOrder(order);
    const { orderId, clientOrderId, status } = placed;
    return { type: 'accepted', orderId, clientOrderId, status, executedAt: placed.time };
  } catch (err) {
    const { code, msg } = err instanceof BinanceApiError ? err : binanceErrors.unknown();
    return { type: 'not_executed', code, msg, at };
  }
}

function outcomeOf(method: string, answer: Answer): OrderOutcome {
  const body = answer.body as Record<string, unknown>;
  if (answer.status !== 200 || typeof body['code'] === 'number') {
    const code = typeof body['code'] === 'number' ? body['code'] : null;
    return { type: 'error', httpStatus: answer.status, code, msg: String(body['msg']) };
  }
  const order = { orderId: Number(body['orderId']), clientOrderId: String(body['clientOrderId']), status: String(body['status']) };
  return method === 'POST' ? { type: 'accepted', ...order } : { type: 'found', ...order };
}

export async function startPaperExchange(opts: PaperExchangeOptions): Promise<PaperExchange> {
  const clock = new PaperClock(opts.now ?? Date.now, opts.scenario.clockOffsetMs);
  const now = () => clock.now();
  const state = new PaperState(opts.scenario, now);
  const statePath = opts.statePath;
  const saved = statePath === undefined ? null : loadPaperSnapshot(statePath);
  if (saved !== null) {
    if (saved.scenario !== opts.scenario.name) throw new Error(`the paper exchange's saved state ${statePath} belongs to scenario '${saved.scenario}', not '${opts.scenario.name}': move it away to start from this scenario`);
    state.restore(saved);
  }
  /** Keeps the state file up to date (nothing without a statePath). */
  const persist = () => {
    if (statePath !== undefined) savePaperSnapshot(statePath, state.snapshot());
  };
  persist();
  const faults = new FaultQueue();
  const orderLog = new OrderLog();
  const timers = new Set<NodeJS.Timeout>();
  // A late execution belongs to the state it was accepted in: after a reset it is dropped.
  let generation = 0;
  const reset = () => {
    generation += 1;
    state.reset();
    clock.setOffset(opts.scenario.clockOffsetMs);
    faults.clear();
    orderLog.clear();
  };

  const wait = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        timers.delete(timer);
        resolve();
      }, ms);
      timers.add(timer);
    });

  function signedParams(req: IncomingMessage, totalParams: string, serverTimeMs: number): Record<string, string> {
    return verifySignedRequest({
      apiKeyHeader: req.headers['x-mbx-apikey'] as string | undefined,
      totalParams,
      accounts: state.scenario.accounts,
      serverTimeMs,
    });
  }

  function callApi(req: IncomingMessage, method: string, path: string, totalParams: string): Answer {
    const route = apiRoutes.get(`${method} ${path}`);
    if (route === undefined) return { status: 404, body: { msg: `Unknown endpoint ${method} ${path}` } };
    try {
      const serverTimeMs = now();
      const params = route.signed ? signedParams(req, totalParams, serverTimeMs) : paramsWithoutSignature(totalParams);
      return { status: 200, body: route.handle({ params, state, now: serverTimeMs }) };
    } catch (err) {
      return answerFor(err);
    }
  }

  /**
   * unknown_then_execute: every check runs now, at arrival (a failure is answered as usual and nothing
   * executes); a passing order is answered "status unknown" and executes `delayMs` later, whatever its
   * recvWindow says by then.
   */
  function acceptForLater(req: IncomingMessage, totalParams: string, action: UnknownThenExecute, entry: OrderLogEntry): Answer {
    try {
      const serverTimeMs = now();
      const order = orderRequestFrom({ params: signedParams(req, totalParams, serverTimeMs), state, now: serverTimeMs });
      state.checkMarketOrder(order);
      entry.outcome = { type: 'execution_pending', executeAt: serverTimeMs + action.delayMs };
      const acceptedIn = generation;
      void wait(action.delayMs).then(() => {
        if (acceptedIn !== generation) return;
        entry.outcome = executeLate(state, order, now());
        persist();
      });
      return unknownStatusAnswer(action.answer);
    } catch (err) {
      const answer = answerFor(err);
      entry.outcome = outcomeOf('POST', answer);
      return answer;
    }
  }

  /**
   * partial_fill: part of the order executes now and is answered PARTIALLY_FILLED; the rest executes
   * `restAfterMs` later (unless the exchange was reset meanwhile).
   */
  function placePartially(req: IncomingMessage, totalParams: string, action: PartialFill, entry: OrderLogEntry): Answer {
    let answer: Answer;
    try {
      const serverTimeMs = now();
      const request = orderRequestFrom({ params: signedParams(req, totalParams, serverTimeMs), state, now: serverTimeMs });
      const order = state.placePartialMarketOrder(request, action.ratio);
      answer = { status: 200, body: orderJson(order) };
      if (order.status === 'PARTIALLY_FILLED') {
        const placedIn = generation;
        void wait(action.restAfterMs).then(() => {
          if (placedIn !== generation) return;
          const done = state.fillRest(order.orderId);
          persist();
          if (done && entry.outcome.type === 'accepted') Object.assign(entry.outcome, { status: done.status, restAt: done.updateTime });
        });
      }
    } catch (err) {
      answer = answerFor(err);
    }
    entry.outcome = outcomeOf('POST', answer);
    const body = answer.body as Record<string, unknown>;
    if (entry.outcome.type === 'accepted' && body['status'] === 'PARTIALLY_FILLED') entry.outcome.partQty = String(body['executedQty']);
    return answer;
  }

  /** Applies a fault that answers instead of the exchange; false when the request should go on. */
  async function faultAnswered(action: FaultAction, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    switch (action.type) {
      case 'http':
        sendJson(res, action.status, action.body ?? { msg: `paper fault: HTTP ${action.status}` });
        return true;
      case 'binance_error':
        sendJson(res, action.status, { code: action.code, msg: action.msg });
        return true;
      case 'drop':
        req.socket.destroy();
        return true;
      case 'latency':
        await wait(action.ms);
        return false;
      case 'accept_then_timeout':
      case 'deliver_late':
      case 'unknown_then_execute':
      case 'lookup_stale':
      case 'partial_fill':
        return false;
    }
  }

  async function serveApi(req: IncomingMessage, res: ServerResponse, method: string, path: string, body: string) {
    const totalParams = rawQueryOf(req.url ?? '') + body;
    const fault = faults.take(method, path);
    const action = fault?.action;
    // Still on its way: the exchange sees it (order log, clock, recvWindow check) only after the hold.
    if (action?.type === 'deliver_late') await wait(action.ms);
    const entry =
      path === ORDER_PATH
        ? orderLog.record({ receivedAt: now(), clockOffsetMs: clock.offsetMs(), method, path, params: paramsWithoutSignature(totalParams), ...(fault ? { fault } : {}) })
        : undefined;
    if (action !== undefined && (await faultAnswered(action, req, res))) {
      if (entry) entry.outcome = { type: 'fault' };
      return;
    }
    if (action?.type === 'unknown_then_execute' && entry !== undefined) {
      const answer = acceptForLater(req, totalParams, action, entry);
      sendJson(res, answer.status, answer.body);
      return;
    }
    if (action?.type === 'partial_fill' && entry !== undefined) {
      const answer = placePartially(req, totalParams, action, entry);
      sendJson(res, answer.status, answer.body);
      return;
    }
    const answer = callApi(req, method, path, totalParams);
    // Saved before the answer leaves: a restart never forgets an order it acknowledged.
    if (method !== 'GET') persist();
    if (entry) {
      entry.outcome = outcomeOf(method, answer);
      if (action?.type === 'lookup_stale' && entry.outcome.type === 'accepted') state.hideFromQueries(entry.outcome.orderId, action.ms);
    }
    if (action?.type === 'accept_then_timeout') {
      // The exchange has acted; the client never hears back, so it cannot tell whether it did.
      await wait(action.delayMs);
      req.socket.destroy();
      return;
    }
    sendJson(res, answer.status, answer.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://paper.invalid').pathname;
    const body = await readBody(req);
    if (path.startsWith('/_paper/')) {
      if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) {
        sendJson(res, 403, { error: 'admin endpoints answer loopback clients only' });
        return;
      }
      const answer = handleAdmin({ state, faults, log: orderLog, clock, reset }, method, path, body);
      if (method !== 'GET') persist();
      sendJson(res, answer.status, answer.body);
      return;
    }
    await serveApi(req, res, method, path, body);
  }

  const server = createServer((req, res) => {
    handle(req, res)
      // Also after the paths that answer early (faults, partial fills, "status unknown").
      .finally(() => {
        if (req.method !== 'GET') persist();
      })
      .catch((err: unknown) => {
      if (!res.headersSent && !res.destroyed) {
        const answer = answerFor(err);
        sendJson(res, answer.status, answer.body);
      }
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // Bound to every interface: loopback is still the address to give local clients.
  const anyAddress = address.address === '0.0.0.0' || address.address === '::';
  const host = anyAddress ? '127.0.0.1' : address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    url: `http://${host}:${address.port}`,
    port: address.port,
    state,
    faults,
    orderLog,
    clockOffsetMs: () => clock.offsetMs(),
    setClockOffset: (ms) => clock.setOffset(ms),
    reset,
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

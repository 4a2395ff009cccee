// The paper exchange's /_paper/ admin API, as a test sees it over HTTP.
import type { FaultInput, OrderLogEntry, PaperOrder } from '../../src/exchange/paper/index.js';

export interface PaperPosition {
  symbol: string;
  amount: string;
  entryPrice: string;
  markPrice: string;
}

interface PaperStateView {
  positions: PaperPosition[];
  orders: PaperOrder[];
}

export class PaperAdmin {
  constructor(readonly url: string) {}

  async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${this.url}${path}`, {
      method,
      ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } }),
    });
    const answer = (await res.json()) as unknown;
    if (res.status !== 200) throw new Error(`paper admin ${method} ${path}: HTTP ${res.status} ${JSON.stringify(answer)}`);
    return answer as T;
  }

  addFault(fault: FaultInput): Promise<unknown> {
    return this.request('POST', '/_paper/faults', fault);
  }

  clearFaults(): Promise<unknown> {
    return this.request('DELETE', '/_paper/faults');
  }

  setPosition(symbol: string, amount: string): Promise<unknown> {
    return this.request('POST', '/_paper/position', { symbol, amount });
  }

  async position(symbol: string): Promise<string> {
    const state = await this.request<PaperStateView>('GET', '/_paper/state');
    return state.positions.find((p) => p.symbol === symbol)?.amount ?? '0';
  }

  /** Orders on the paper exchange's book (what actually executed) for one symbol. */
  async bookedOrders(symbol: string): Promise<PaperOrder[]> {
    const state = await this.request<PaperStateView>('GET', '/_paper/state');
    return state.orders.filter((o) => o.symbol === symbol);
  }

  /** Every request to /fapi/v1/order (POST and GET) for one symbol, in arrival order. */
  async orderRequests(symbol: string): Promise<OrderLogEntry[]> {
    const log = await this.request<OrderLogEntry[]>('GET', '/_paper/orders');
    return log.filter((e) => e.params['symbol'] === symbol);
  }

  /** POST /fapi/v1/order requests for one symbol (whatever became of them). */
  async orderPosts(symbol: string): Promise<OrderLogEntry[]> {
    return (await this.orderRequests(symbol)).filter((e) => e.method === 'POST');
  }

  /** POST requests the exchange accepted as new orders. */
  async acceptedOrders(symbol: string): Promise<OrderLogEntry[]> {
    return (await this.orderPosts(symbol)).filter((e) => e.outcome.type === 'accepted');
  }
}

// Redis side of the intake tests: the real server on 127.0.0.1:6379 (unreachable = the tests FAIL),
// unique stream names per test, plans published the way producers publish them.
import { randomBytes } from 'node:crypto';
import { pino } from 'pino';
import { Redis } from 'ioredis';
import type { Plan } from '../../src/domain/plan.js';
import type { BridgeLogger } from '../../src/intake/bridge-log.js';
import { fieldsFromPairs, type EntryFields } from '../../src/intake/stream-entry.js';
import { entriesOf } from '../../src/intake/stream-replies.js';

export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** Connects and PINGs: throws (failing the suite, never skipping it) when Redis is not there. */
export async function connectTestRedis(): Promise<Redis> {
  const redis = new Redis(TEST_REDIS_URL, { protocol: 2, maxRetriesPerRequest: 1, connectTimeout: 3000, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    const pong = await redis.ping();
    if (pong !== 'PONG') throw new Error(`unexpected PING answer ${pong}`);
  } catch (err) {
    redis.disconnect();
    throw new Error(`Redis at ${TEST_REDIS_URL} is required by the intake tests: ${err instanceof Error ? err.message : String(err)}`);
  }
  return redis;
}

export interface StreamNames {
  stream: string;
  dlq: string;
  group: string;
}

export function uniqueId(prefix: string): string {
  return `${prefix}-${randomBytes(5).toString('hex')}`;
}

export function uniqueStreams(label: string): StreamNames {
  const id = uniqueId(label);
  return { stream: `permit-chain-test:${id}:apply.plan`, dlq: `permit-chain-test:${id}:apply.plan.dlq`, group: `g-${id}` };
}

/** The plan as flat fields, every value a string: the seed producer's shape. */
export function flatFields(plan: Plan | Record<string, unknown>): string[] {
  return Object.entries(plan).flatMap(([k, v]) => [k, String(v)]);
}

export async function publishFlat(redis: Redis, stream: string, plan: Plan | Record<string, unknown>): Promise<string> {
  return (await redis.xadd(stream, '*', ...flatFields(plan)))!;
}

export async function publishJson(redis: Redis, stream: string, plan: unknown, field = 'plan'): Promise<string> {
  return (await redis.xadd(stream, '*', field, JSON.stringify(plan)))!;
}

export async function pendingCount(redis: Redis, stream: string, group: string): Promise<number> {
  const summary = (await redis.xpending(stream, group)) as unknown[];
  return Number(summary[0] ?? 0);
}

export async function readAll(redis: Redis, stream: string): Promise<Array<{ id: string; fields: EntryFields }>> {
  const raw = await redis.xrange(stream, '-', '+');
  return entriesOf(raw).map((e) => ({ id: e.id, fields: e.fields ?? fieldsFromPairs([]) }));
}

export async function waitFor<T>(probe: () => Promise<T> | T, done: (v: T) => boolean, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T | undefined;
  for (;;) {
    last = await probe();
    if (done(last)) return last;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Bridge logs are kept out of the test output unless INTAKE_TEST_LOG=debug|info|warn. */
export function testLogger(): BridgeLogger {
  return pino({ level: process.env.INTAKE_TEST_LOG ?? 'silent' });
}

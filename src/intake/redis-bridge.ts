// The Redis intake: reads the plan stream through a consumer group, starts one workflow per EXECUTE plan,
// and acknowledges an entry only once its fate is settled (started, already started, dead-lettered or
// skipped). Anything read but not acknowledged stays in the group's pending list and is taken up again:
// by this consumer on its next start (XREADGROUP from id 0), or by another one once it has been idle
// long enough (XAUTOCLAIM). Starting is idempotent (workflow id = plan id), so a re-read never starts twice.
import type { Client } from '@temporalio/client';
import { Redis } from 'ioredis';
import type { Plan } from '../domain/plan.js';
import { Backoff, sleep } from './backoff.js';
import { bridgeConfigFromEnv, type BridgeConfig, type BridgeConfigOverrides } from '../config/bridge.js';
import { createBridgeLogger, errorText, type BridgeLogger } from './bridge-log.js';
import { emptyCounters, type BridgeCounters, type BridgeLag } from './bridge-stats.js';
import { InFlight } from './in-flight.js';
import { startPlanWorkflow, type NotStartedReason } from '../client/start-plan.js';
import { fieldsToPairs, parseEntry } from './stream-entry.js';
import { autoClaimPageOf, entriesOfReadGroup, groupLagOf, pendingCountOf, type StreamEntry } from './stream-replies.js';
import type { ChainPolicy } from '../domain/chain-policy.js';

/** The dead-letter stream keeps about this many entries (XADD MAXLEN ~): it cannot grow without bound. */
const DLQ_MAX_LENGTH = 100_000;

/** Starts a plan's workflow; `started: false` means it already existed. Throws when it cannot tell (Temporal down). */
/** Starts one plan as startPlanWorkflow does: only an EXECUTE plan, and only once. */
export type PlanStarter = (plan: Plan) => Promise<{ started: true } | { started: false; reason: NotStartedReason }>;

export interface TemporalTarget {
  client: Client;
  taskQueue: string;
  policy: ChainPolicy;
  /** The client shares a running worker's connection: start plans eagerly (see StartPlanOptions.eager). */
  eager?: boolean;
}

export interface RedisPlanBridgeOptions {
  /** Where plans go: a Temporal client (the normal case) … */
  temporal?: TemporalTarget;
  /** … or any starter (tests, other intakes). One of the two is required. */
  startPlan?: PlanStarter;
  env?: NodeJS.ProcessEnv;
  config?: BridgeConfigOverrides;
  logger?: BridgeLogger;
}

/** Starts through startPlanWorkflow (the one way a plan becomes a workflow), each call with a deadline. */
export function temporalPlanStarter(target: TemporalTarget, timeoutMs = 10_000): PlanStarter {
  const start = (plan: Plan) => startPlanWorkflow(target.client, plan, { taskQueue: target.taskQueue, policy: target.policy, eager: target.eager === true });
  return (plan) => target.client.withDeadline(Date.now() + timeoutMs, () => start(plan));
}

function chooseStarter(opts: RedisPlanBridgeOptions, cfg: BridgeConfig): PlanStarter {
  if (opts.startPlan) return opts.startPlan;
  if (opts.temporal) return temporalPlanStarter(opts.temporal, cfg.startTimeoutMs);
  throw new Error('RedisPlanBridge needs either `temporal` (client, taskQueue, policy) or `startPlan`');
}

function isRedisError(err: unknown, code: string): boolean {
  return err instanceof Error && err.message.startsWith(code);
}

class EntryFailure extends Error {
  constructor(
    readonly step: 'start' | 'ack' | 'dead-letter',
    override readonly cause: unknown,
  ) {
    super(`${step} failed: ${errorText(cause)}`);
  }
}

export class RedisPlanBridge {
  readonly config: BridgeConfig;
  private readonly startPlan: PlanStarter;
  private readonly log: BridgeLogger;
  private readonly counters: BridgeCounters = emptyCounters();
  private readonly inFlight: InFlight;
  private readonly stopping = new AbortController();
  private readonly redisBackoff: Backoff;
  private readonly retryBackoff: Backoff;
  private reader: Redis | null = null;
  private writer: Redis | null = null;
  private loop: Promise<void> | null = null;
  private stopped: Promise<void> | null = null;
  private statsTimer: NodeJS.Timeout | null = null;
  private groupReady = false;
  /** Own pending entries must be walked (at start, and after a failed start or ack). */
  private rescanOwnPending = true;
  /** Some entry failed since the last walk of the own pending list: wait before walking it again. */
  private retryPending = false;
  private lastClaimAt = 0;

  constructor(opts: RedisPlanBridgeOptions) {
    this.config = bridgeConfigFromEnv(opts.env, opts.config);
    this.startPlan = chooseStarter(opts, this.config);
    this.log = (opts.logger ?? createBridgeLogger(opts.env)).child({ stream: this.config.stream, group: this.config.group, consumer: this.config.consumer });
    this.inFlight = new InFlight(this.config.maxInFlight);
    this.redisBackoff = new Backoff(this.config.backoffMinMs, this.config.backoffMaxMs);
    this.retryBackoff = new Backoff(this.config.backoffMinMs, this.config.backoffMaxMs);
  }

  /** Connects and starts consuming in the background. Never throws for an unreachable Redis: it retries. */
  start(): void {
    if (this.loop || this.stopped) return;
    this.reader = this.connect('reader', this.config.blockMs + this.config.commandTimeoutMs);
    this.writer = this.connect('writer', this.config.commandTimeoutMs);
    this.statsTimer = setInterval(() => void this.logStats(), this.config.statsIntervalMs);
    this.statsTimer.unref();
    this.log.info({ event: 'bridge_started', dlq: this.config.dlqStream, maxInFlight: this.config.maxInFlight }, 'plan bridge started');
    this.loop = this.run();
  }

  /** Stops reading, lets the starts under way finish (and be acknowledged), then disconnects. Idempotent. */
  stop(): Promise<void> {
    this.stopped ??= this.shutDown();
    return this.stopped;
  }

  private async shutDown(): Promise<void> {
    this.stopping.abort();
    if (!this.loop) return;
    await this.loop;
    if (this.statsTimer) clearInterval(this.statsTimer);
    await this.logStats('bridge_stopped');
    this.reader?.disconnect();
    this.writer?.disconnect();
  }

  /** Counters since start (a copy). */
  stats(): BridgeCounters & { inFlight: number } {
    return { ...this.counters, inFlight: this.inFlight.size };
  }

  /** How far behind the group is: pending (delivered, unacknowledged), behind (not yet delivered), stream length. */
  async lag(): Promise<BridgeLag> {
    const redis = this.requireWriter();
    const { stream, group } = this.config;
    const [pending, groups, length] = await Promise.all([redis.xpending(stream, group), redis.xinfo('GROUPS', stream), redis.xlen(stream)]);
    return { pending: pendingCountOf(pending), behind: groupLagOf(groups, group), length };
  }

  private connect(role: 'reader' | 'writer', commandTimeout: number): Redis {
    const redis = new Redis(this.config.redisUrl, {
      // RESP2 keeps the stream replies in their documented array shapes (see stream-replies.ts).
      protocol: 2,
      connectionName: `permit-chain-bridge:${this.config.consumer}:${role}`,
      commandTimeout,
      connectTimeout: this.config.commandTimeoutMs,
      // A command fails soon when Redis is away; the loop backs off and retries (ioredis reconnects).
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(this.config.backoffMaxMs, this.config.backoffMinMs * 2 ** Math.min(times, 10)),
    });
    redis.on('error', (err: Error) => this.log.debug({ event: 'redis_error', role, err: err.message }, 'redis connection error'));
    return redis;
  }

  private requireWriter(): Redis {
    if (!this.writer) throw new Error('the bridge is not started');
    return this.writer;
  }

  private requireReader(): Redis {
    if (!this.reader) throw new Error('the bridge is not started');
    return this.reader;
  }

  private get stopRequested(): boolean {
    return this.stopping.signal.aborted;
  }

  private async run(): Promise<void> {
    while (!this.stopRequested) {
      try {
        await this.ensureGroup();
        if (this.rescanOwnPending) await this.processOwnPending();
        else {
          await this.claimStaleEntries();
          await this.readNewEntries();
        }
        this.redisBackoff.reset();
      } catch (err) {
        await this.onLoopError(err);
      }
    }
    await this.inFlight.drain();
  }

  private async onLoopError(err: unknown): Promise<void> {
    if (this.stopRequested) return;
    if (isRedisError(err, 'NOGROUP')) this.groupReady = false;
    const delayMs = this.redisBackoff.nextDelay();
    this.log.warn({ event: 'redis_unavailable', err: errorText(err), retryInMs: delayMs }, 'redis call failed; retrying');
    await sleep(delayMs, this.stopping.signal);
  }

  /**
   * A new group starts at PLAN_STREAM_START_ID: `$` by default, so a first deployment never replays a
   * stream of old trade instructions; `0` takes everything still in the stream (starting is idempotent).
   */
  private async ensureGroup(): Promise<void> {
    if (this.groupReady) return;
    try {
      await this.requireWriter().xgroup('CREATE', this.config.stream, this.config.group, this.config.startId, 'MKSTREAM');
      this.log.info({ event: 'group_created' }, 'consumer group created at the start of the stream');
    } catch (err) {
      if (!isRedisError(err, 'BUSYGROUP')) throw err;
    }
    this.groupReady = true;
  }

  /** Walks this consumer's own pending list from the start (entries it read and never acknowledged). */
  private async processOwnPending(): Promise<void> {
    await this.inFlight.drain();
    if (this.retryPending) {
      const delayMs = this.retryBackoff.nextDelay();
      this.log.info({ event: 'retry_wait', retryInMs: delayMs }, 'waiting before retrying pending entries');
      await sleep(delayMs, this.stopping.signal);
      if (this.stopRequested) return;
    }
    this.retryPending = false;
    let cursor = '0';
    while (!this.stopRequested) {
      const { stream, group, consumer, batchSize } = this.config;
      const raw = await this.requireWriter().xreadgroup('GROUP', group, consumer, 'COUNT', batchSize, 'STREAMS', stream, cursor);
      const entries = entriesOfReadGroup(raw);
      if (entries.length === 0) break;
      for (const entry of entries) await this.dispatch(entry);
      cursor = entries[entries.length - 1]!.id;
    }
    await this.inFlight.drain();
    this.rescanOwnPending = this.retryPending;
    if (!this.retryPending) this.retryBackoff.reset();
  }

  /** Takes over entries other consumers read but left unacknowledged for claimMinIdleMs (they died). */
  private async claimStaleEntries(): Promise<void> {
    if (Date.now() - this.lastClaimAt < this.config.claimIntervalMs) return;
    const { stream, group, consumer, claimMinIdleMs, batchSize } = this.config;
    let start = '0-0';
    do {
      const raw = await this.requireWriter().xautoclaim(stream, group, consumer, claimMinIdleMs, start, 'COUNT', batchSize);
      const page = autoClaimPageOf(raw);
      if (page.entries.length > 0) this.log.info({ event: 'claimed_stale', count: page.entries.length }, 'took over stale pending entries');
      for (const entry of page.entries) await this.dispatch(entry);
      start = page.nextStart;
    } while (start !== '0-0' && !this.stopRequested);
    this.lastClaimAt = Date.now();
  }

  private async readNewEntries(): Promise<void> {
    await this.inFlight.slot();
    if (this.stopRequested) return; // entries already read are finished; nothing new is taken on
    const { stream, group, consumer, batchSize, blockMs } = this.config;
    const count = Math.max(1, Math.min(batchSize, this.inFlight.free));
    const raw = await this.requireReader().xreadgroup('GROUP', group, consumer, 'COUNT', count, 'BLOCK', blockMs, 'STREAMS', stream, '>');
    for (const entry of entriesOfReadGroup(raw)) await this.dispatch(entry);
  }

  private async dispatch(entry: StreamEntry): Promise<void> {
    if (this.inFlight.has(entry.id)) return;
    await this.inFlight.slot();
    this.inFlight.run(entry.id, () => this.handleEntry(entry));
  }

  private async handleEntry(entry: StreamEntry): Promise<void> {
    try {
      await this.settle(entry);
    } catch (err) {
      this.counters.retries += 1;
      this.retryPending = true;
      this.rescanOwnPending = true;
      const step = err instanceof EntryFailure ? err.step : 'unknown';
      this.log.warn({ event: 'entry_retry', id: entry.id, step, err: errorText(err instanceof EntryFailure ? err.cause : err) }, 'entry left pending; will retry');
    }
  }

  /** Decides what becomes of one entry and acknowledges it; throws (EntryFailure) to leave it pending. */
  private async settle(entry: StreamEntry): Promise<void> {
    if (entry.fields === null) return this.ack(entry.id); // deleted from the stream: nothing left to do
    const parsed = parseEntry(entry.fields, { now: Date.now() }); // a plan from the future (or in ms) is dead-lettered
    if (!parsed.ok) return this.deadLetter(entry.id, entry.fields, parsed.error);
    const result = await this.startPlan(parsed.plan).catch((err: unknown) => {
      throw new EntryFailure('start', err);
    });
    if (!result.started && result.reason === 'not_execute') {
      await this.ack(entry.id);
      this.counters.skipped += 1;
      this.log.debug({ event: 'skipped', id: entry.id, plan_id: parsed.plan.plan_id, decision: parsed.plan.decision }, 'not an EXECUTE plan');
      return;
    }
    this.counters[result.started ? 'started' : 'duplicates'] += 1;
    this.log.info({ event: result.started ? 'started' : 'duplicate', id: entry.id, plan_id: parsed.plan.plan_id }, result.started ? 'plan started' : 'plan already started');
    if (this.config.ackDelayMs > 0) await sleep(this.config.ackDelayMs, this.stopping.signal); // test hook, see BridgeConfig
    await this.ack(entry.id);
  }

  private async ack(id: string): Promise<void> {
    try {
      await this.requireWriter().xack(this.config.stream, this.config.group, id);
    } catch (err) {
      throw new EntryFailure('ack', err);
    }
  }

  /** Copies the entry with its error to the dead-letter stream and acknowledges it, atomically (MULTI). */
  private async deadLetter(id: string, fields: Record<string, string>, error: string): Promise<void> {
    const { stream, group, dlqStream } = this.config;
    const pairs = [...fieldsToPairs(fields), 'error', error, 'source_id', id, 'source_stream', stream];
    try {
      const results = await this.requireWriter().multi().xadd(dlqStream, 'MAXLEN', '~', String(DLQ_MAX_LENGTH), '*', ...pairs).xack(stream, group, id).exec();
      const failed = results?.find(([err]) => err !== null)?.[0];
      if (!results || failed) throw failed ?? new Error('transaction aborted');
    } catch (err) {
      throw new EntryFailure('dead-letter', err);
    }
    this.counters.deadLettered += 1;
    this.log.warn({ event: 'dead_lettered', id, dlq: dlqStream, error }, 'invalid plan moved to the dead-letter stream');
  }

  private async logStats(event = 'bridge_stats'): Promise<void> {
    try {
      const lag = await this.lag();
      this.log.info({ event, ...this.stats(), ...lag }, 'plan bridge stats');
    } catch (err) {
      this.log.info({ event, ...this.stats(), lagError: errorText(err) }, 'plan bridge stats (lag unavailable)');
    }
  }
}

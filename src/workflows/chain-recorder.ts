// Keeps the plan's chain state (what `status` and the chainState query show) and mirrors its
// stage/outcome into search attributes and the Web UI's current-details line.
import { log, metricMeter, setCurrentDetails, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { ChainEvent, ChainStage, ChainState, FinalPlanState, OperatorWait } from '../domain/chain.js';
import type { Plan } from '../domain/plan.js';
import { SearchAttributes, searchStage } from './contract.js';
import { WORKFLOW_METRICS } from './metric-names.js';

export class ChainRecorder {
  readonly state: ChainState;

  constructor(plan: Plan, private readonly acceptedAt: number) {
    this.state = {
      plan_id: plan.plan_id,
      symbol: plan.symbol,
      action: plan.action,
      workflow_id: workflowInfo().workflowId,
      state: 'RUNNING',
      stage: 'governor',
      reason: null,
      permits: { governor: null, p33: null },
      order: null,
      events: [],
      chain_latency_ms: null,
    };
    this.event('plan_accepted', `Plan ${plan.plan_id}: ${plan.action} ${plan.symbol} (kill score ${plan.kill_score})`, {
      at: new Date(acceptedAt).toISOString(),
    });
  }

  event(kind: string, summary: string, details: Record<string, unknown> = {}): void {
    const event: ChainEvent = { at: new Date(Date.now()).toISOString(), kind, summary, ...details };
    this.state.events.push(event);
  }

  stage(stage: ChainStage, details?: string): void {
    const searched = searchStage(stage);
    if (searchStage(this.state.stage) !== searched) upsertSearchAttributes([{ key: SearchAttributes.stage, value: searched }]);
    this.state.stage = stage;
    setCurrentDetails(`**Stage:** ${stage}${details ? `\n\n${details}` : ''}\n\n${this.timelineMarkdown()}`);
  }

  /** The chain so far as a Markdown table: the Web UI shows it as the workflow's current details. */
  private timelineMarkdown(): string {
    const rows = this.state.events.map((e) => `| ${e.at.slice(11, 23)} | ${e.kind} | ${e.summary.replace(/\|/g, '/')} |`);
    return ['| Time (UTC) | Step | What happened |', '|---|---|---|', ...rows].join('\n');
  }

  /** The plan waits for an operator (`wait`), with the reason it waits; null: it no longer does. */
  awaitOperator(wait: OperatorWait | null, reason: string | null): void {
    this.state.reason = reason;
    if (wait === null) delete this.state.awaiting;
    else this.state.awaiting = wait;
  }

  /** The plan has to wait for its symbol's turn. */
  turnWaitBegan(): void {
    metricMeter.createCounter(WORKFLOW_METRICS.turnWaits, 'plans', "Plans that had to wait for their symbol's turn").add(1, { symbol: this.state.symbol });
  }

  /** The plan got its symbol's turn after waiting `ms`. */
  turnWaitEnded(ms: number): void {
    metricMeter.createHistogram(WORKFLOW_METRICS.turnWait, 'int', 'ms', "How long a plan waited for its symbol's turn").record(Math.max(0, ms), { symbol: this.state.symbol });
  }

  /** An order attempt's fate could not be looked up: operators alert on this counter. */
  settleLookupFailed(): void {
    metricMeter.createCounter(WORKFLOW_METRICS.settleLookupFailures, 'lookups', 'Failed lookups of order attempts whose fate is open').add(1, { symbol: this.state.symbol });
  }

  /** The plan has reached the exchange or been refused for good: the chain's latency ends here. */
  markDecided(): void {
    if (this.state.chain_latency_ms === null) this.state.chain_latency_ms = Date.now() - this.acceptedAt;
  }

  finish(outcome: FinalPlanState, reason: string | null, summary: string): ChainState {
    this.markDecided();
    this.state.state = outcome;
    this.state.reason = reason;
    this.state.stage = 'done';
    const updates = [
      { key: SearchAttributes.stage, value: 'done' },
      { key: SearchAttributes.outcome, value: outcome },
      ...(reason ? [{ key: SearchAttributes.denialReason, value: reason }] : []),
    ];
    upsertSearchAttributes(updates);
    this.event('outcome', summary, { outcome, reason });
    setCurrentDetails(`**${outcome}**${reason ? ` — ${reason}` : ''}\n\n${summary}\n\n${this.timelineMarkdown()}`);
    this.report(outcome, reason);
    return this.state;
  }

  /** Metrics and one log line per finished plan; metricMeter and log emit nothing during replay. */
  private report(outcome: FinalPlanState, reason: string | null): void {
    metricMeter.createCounter(WORKFLOW_METRICS.plans, 'plans', 'Plans by final outcome').add(1, { outcome });
    const latency = this.state.chain_latency_ms;
    if (latency !== null) {
      metricMeter.createHistogram(WORKFLOW_METRICS.chainLatency, 'int', 'ms', 'Plan accepted to order acknowledged or refused').record(Math.max(0, latency), { outcome });
    }
    log.info('plan finished', { outcome, reason, symbol: this.state.symbol, chainLatencyMs: latency });
  }
}

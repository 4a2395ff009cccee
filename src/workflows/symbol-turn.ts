// A plan's turn on its symbol, workflow side (docs/concurrency.md): queue in the store, wait until the plan
// that holds the turn gives it up (it signals the next one), and give it up in turn. Deterministic code only.
import { condition, getExternalWorkflowHandle, setHandler, type LocalActivityInterfaceFor } from '@temporalio/workflow';
import type { LocalActivityOptions } from '@temporalio/common';
import type { PlanActivities, TurnState } from '../activities/contract.js';
import type { Plan } from '../domain/plan.js';
import type { ChainRecorder } from './chain-recorder.js';
import { turnSignal } from './contract.js';

type TurnSteps = LocalActivityInterfaceFor<Pick<PlanActivities, 'takeTurn' | 'releaseTurn'>>;

export class SymbolTurnKeeper {
  #queued = false;
  #held = false;
  /** The plan's row in the queue, from the last take (undefined in histories from before takes answered it). */
  #seq: number | undefined = undefined;
  #wakeUps = 0;

  constructor(
    private readonly plan: Plan,
    private readonly chain: ChainRecorder,
    private readonly steps: TurnSteps,
    private readonly options: LocalActivityOptions,
    private readonly checkEverySeconds: number,
  ) {
    setHandler(turnSignal, () => {
      this.#wakeUps += 1;
    });
  }

  get held(): boolean {
    return this.#held;
  }

  /** Returns once the plan holds its symbol's turn; meanwhile stage `waiting_turn`, naming the holder. */
  async take(): Promise<void> {
    if (this.#held) return;
    const waitingSince = Date.now();
    let checkHolder = false;
    let waitingFor: string | null = null;
    for (;;) {
      const wakeUpsSeen = this.#wakeUps;
      const turn = await this.steps.takeTurn.executeWithOptions(
        { ...this.options, summary: `Turn on ${this.plan.symbol}${checkHolder ? ': is the holder still running?' : ''}` },
        [{ plan: this.plan, checkHolder }],
      );
      this.#queued = true;
      this.#seq = turn.seq;
      this.noteFreed(turn);
      if (turn.granted) {
        this.granted(turn.since, waitingFor === null ? null : Date.now() - waitingSince);
        return;
      }
      if (waitingFor === null) this.chain.turnWaitBegan();
      if (turn.holder.plan_id !== waitingFor) {
        waitingFor = turn.holder.plan_id;
        this.chain.event('turn_waiting', `Waiting for its turn on ${this.plan.symbol}: plan ${waitingFor} holds it (${turn.ahead} ahead)`, { waiting_for: waitingFor, holder_workflow_id: turn.holder.workflow_id, ahead: turn.ahead });
      }
      this.chain.state.turn = { state: 'waiting', waiting_for: waitingFor, ahead: turn.ahead, since: new Date(waitingSince).toISOString() };
      this.chain.stage('waiting_turn', `Waiting for its turn on ${this.plan.symbol}: plan ${waitingFor} (${turn.holder.workflow_id}) holds it, ${turn.ahead} plan(s) ahead. Plans of a symbol size and trade one after another.`);
      const woken = await condition(() => this.#wakeUps !== wakeUpsSeen, `${this.checkEverySeconds}s`, {
        summary: `Waiting for plan ${waitingFor} to finish with ${this.plan.symbol}`,
      });
      checkHolder = !woken;
    }
  }

  /** Gives the turn (or the place in the queue) up and wakes the next plan of the symbol. */
  async release(reason: string): Promise<void> {
    if (!this.#queued) return;
    const released = await this.steps.releaseTurn.executeWithOptions(
      { ...this.options, summary: `Release the turn on ${this.plan.symbol}: ${reason}` },
      [{ plan: this.plan, reason, ...(this.#seq === undefined ? {} : { seq: this.#seq }) }],
    );
    this.#queued = false;
    this.#held = false;
    this.#seq = undefined;
    this.chain.state.turn = { state: 'released', waiting_for: null, ahead: null, since: new Date(Date.now()).toISOString() };
    const next = released.next;
    if (next === null) return;
    this.chain.event('turn_passed', `Turn on ${this.plan.symbol} passed to plan ${next.plan_id}`, { next_plan_id: next.plan_id });
    // A next holder that has closed meanwhile cannot be told; the plan behind it finds out on its own.
    await getExternalWorkflowHandle(next.workflow_id, next.run_id).signal(turnSignal, { from_plan_id: this.plan.plan_id }).catch(() => undefined);
  }

  private granted(since: string, waitedMs: number | null): void {
    this.#held = true;
    this.chain.state.turn = { state: 'held', waiting_for: null, ahead: 0, since };
    if (waitedMs === null) return;
    this.chain.turnWaitEnded(waitedMs);
    this.chain.event('turn_granted', `Its turn on ${this.plan.symbol} came after ${waitedMs} ms`, { waited_ms: waitedMs });
  }

  private noteFreed(turn: TurnState): void {
    for (const stale of turn.released_stale) {
      this.chain.event('turn_freed', `Plan ${stale} held the turn on ${this.plan.symbol} but its run has closed: released`, { plan_id: stale });
    }
  }
}

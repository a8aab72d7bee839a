/**
 * What a batch knows of its deadlines: the colour each last reported, how each ended, and
 * whether the campaign has heard the latest. No Temporal inside (batch.ts does the signalling);
 * JSON-plain state.
 */
import { countStates, type DeadlineOutcome, type DeadlineState } from '../domain/deadline-state';
import type { BatchReport, DeadlineChange } from '../domain/engine/requests';

export class BatchCounts {
  readonly states: Record<string, DeadlineState> = {};
  readonly endings: Record<string, DeadlineOutcome> = {};
  /** Something changed since the campaign was last told. */
  dirty = false;
  /** Every deadline (and review) of the batch has closed. */
  finished = false;

  constructor(private readonly batchId: string) {}

  report(): BatchReport {
    return { batchId: this.batchId, counts: countStates(Object.values(this.states)), done: this.finished };
  }

  /** A deadline's new colour; with the closed one (since v0.5), how it ended. */
  deadlineChanged({ deadlineId, state, outcome }: DeadlineChange): void {
    if (outcome) this.endings[deadlineId] = outcome;
    if (this.states[deadlineId] !== state) {
      this.states[deadlineId] = state;
      this.dirty = true;
    }
  }

  /**
   * The starter started these in `colour` and they say nothing until their colour changes (since
   * v0.6 green; since v0.19 the colour of a late opening, STARTED_IN_COLOUR).
   */
  startedIn(deadlineIds: string[], colour: DeadlineState): void {
    for (const id of deadlineIds) {
      if (this.states[id] === undefined) {
        this.states[id] = colour;
        this.dirty = true;
      }
    }
  }

  /**
   * The batch mailed a shared step for these deadlines (since v0.17), which leaves each in
   * `colour` (blue, from the first reminder on): a deadline still counted green takes it. Any
   * other colour came from the deadline itself, later, and stands (a batch told "blue" after
   * "closed" would wait for ever).
   */
  sharedStepMailed(deadlineIds: string[], colour: DeadlineState): void {
    for (const id of deadlineIds) {
      if (this.states[id] === 'green' && colour !== 'green') {
        this.states[id] = colour;
        this.dirty = true;
      }
    }
  }

  allClosed(deadlineIds: string[]): boolean {
    return deadlineIds.every((id) => this.states[id] === 'closed');
  }

  /** How a deadline ended, from its last state report; `failed` if it closed without saying. */
  outcomeOf(deadlineId: string): DeadlineOutcome | 'failed' {
    return this.endings[deadlineId] ?? 'failed';
  }
}

/**
 * The state of one deadline and the rules that move it: its steps and due instant (which an
 * extension moves), the steps done, its colour, the answer (submission or waiver) and how it
 * ended. No Temporal inside: the workflow (deadline.ts) wires handlers to these methods and does
 * the waiting and the activities; tests drive it with a clock of their own. JSON-plain state.
 */
import type { ScheduledStep } from '../domain/calendar-types';
import { stepsForDue, type StepOptions } from '../domain/calendar';
import { deadlineState, type DeadlineOutcome, type DeadlineState } from '../domain/deadline-state';
import type { LedgerEvent } from '../ledger/types';
import { planForSteps } from '../domain/engine/context';
import { requestInstant } from '../domain/clock';
import { deadlineEvent, initialSteps, isSharedStep, messageSubjectOf } from '../domain/engine/deadline-opening';
import type { DeadlineInput, DeadlineResult } from '../domain/engine/inputs';
import {
  sameSubmission,
  type DeadlineChange,
  type DeadlineStatus,
  type ExtendRequest,
  type Receipt,
  type SubmitRequest,
  type WaiveRequest,
} from '../domain/engine/requests';

/** A point on the deadline's timeline: a mail step, its due instant (it turns overdue), or its end. */
export type TimelineItem =
  | { type: 'step'; step: ScheduledStep }
  | { type: 'overdue'; at: string }
  | { type: 'close'; at: string }
  /** The first of its batch's steps that changes its colour: visibility is told (since v0.17). */
  | { type: 'colour'; at: string };

export const itemAt = (item: TimelineItem): string => (item.type === 'step' ? item.step.at : item.at);

const isBlank = (s: unknown): boolean => typeof s !== 'string' || s.trim() === '';

export class DeadlineTimeline {
  dueAt: string;
  steps: ScheduledStep[];
  /** Names of the steps done (sent, or left behind by an extension), in order. */
  readonly done: string[] = [];
  extensions = 0;
  overdueMarked = false;
  /** The office has been told, or a rectification ordered: the deadline is red. */
  atOffice = false;
  closed = false;
  outcome?: DeadlineOutcome;
  receipt?: Receipt;
  submission?: SubmitRequest;
  /** Bumped by every update that changes the timeline, to wake the workflow's wait. */
  version = 0;
  /** The colour last told to the batch and to visibility. */
  reported?: DeadlineState;
  /**
   * The steps its batch mails for it (`isSharedStep`, since v0.17: `opening.sharedSteps`): the
   * deadline does not wait for them, but for the first that changes its colour (`colourAt`), and
   * counts them done as their instants pass (`status`, and `statusAt` for a client whose clock is
   * ahead of the deadline's last wake). Empty once an extension gives it steps of its own.
   */
  private batchSteps: readonly string[];
  /** The instant of the first of `batchSteps` that changes the colour, until the deadline has woken for it. */
  private colourAt?: string;

  constructor(
    private readonly input: DeadlineInput,
    /** Plan time now, epoch ms. */
    private readonly nowMs: () => number,
    /** How its steps are worked out: the holiday rule for every deadline since v0.10 (workflows/patches.ts). */
    readonly stepOptions: StepOptions = {},
  ) {
    this.dueAt = input.dueAt;
    this.steps = initialSteps(input, stepOptions);
    this.batchSteps = input.opening?.sharedSteps
      ? this.steps.filter((s) => isSharedStep(s, this.dueAt)).map((s) => s.step)
      : [];
    // The wake only tells visibility (since v0.18, `wakesOnlyForVisibility`): none without it, and
    // none for a deadline started past green (since v0.19, `startedAs`): the batch's steps come
    // before the due instant and turn it blue at most, which visibility has had from its start.
    const tellsNobody = input.opening?.wakesOnlyForVisibility === true && !input.ctx.options.searchAttributes;
    const startedPastGreen = input.opening?.startedAs !== undefined && input.opening.startedAs !== 'green';
    this.colourAt =
      tellsNobody || startedPastGreen
        ? undefined
        : this.steps.find((s) => this.isBatchStep(s) && this.stateAt(Date.parse(s.at)) !== 'green')?.at;
  }

  /** Whether its batch mails `step` (`opening.sharedSteps`), not the deadline. */
  isBatchStep(step: ScheduledStep): boolean {
    return this.batchSteps.includes(step.step);
  }

  /** The batch's steps whose instant has passed by the deadline's clock and that are not counted done yet. */
  private batchStepsPassed(): ScheduledStep[] {
    const nowMs = this.nowMs();
    return this.steps.filter((s) => this.isBatchStep(s) && Date.parse(s.at) <= nowMs && !this.done.includes(s.step));
  }

  nowIso(): string {
    return new Date(this.nowMs()).toISOString();
  }

  /** A ledger event of this deadline, now, for its current due instant. */
  event(suffix: string, kind: LedgerEvent['kind'], extra: Partial<LedgerEvent> = {}): LedgerEvent {
    return deadlineEvent(this.input, this.dueAt, this.nowIso(), suffix, kind, extra);
  }

  // ---- colour and status ----

  state(): DeadlineState {
    return this.stateAt(this.nowMs());
  }

  private stateAt(nowMs: number): DeadlineState {
    const reminder = this.steps.find((s) => s.kind === 'reminder');
    return deadlineState({
      nowMs,
      dueMs: Date.parse(this.dueAt),
      firstReminderMs: reminder ? Date.parse(reminder.at) : undefined,
      closed: this.closed,
      atOffice: this.atOffice,
    });
  }

  /** The change to tell the batch about, if the colour is not the one last told; remembers it as told. */
  colourChange(): DeadlineChange | undefined {
    const state = this.state();
    if (state === this.reported) return undefined;
    this.reported = state;
    return {
      deadlineId: this.input.deadlineId,
      state,
      ...(state === 'closed' && this.outcome ? { outcome: this.outcome } : {}),
    };
  }

  /**
   * A starter that opened the deadline started it in `colour` in visibility, and its batch counts
   * it so: green, or since v0.19 the colour of a late opening (`opening.startedAs`). Told again
   * only if its colour has changed since.
   */
  startedByStarter(colour: DeadlineState): void {
    if (this.state() === colour) this.reported = colour;
  }

  status(): DeadlineStatus {
    const subject = messageSubjectOf(this.input, this.dueAt);
    // The batch's steps passed by the deadline's clock count as done, in the timeline's order.
    const passed = this.batchStepsPassed().map((s) => s.step);
    const names = this.steps.map((s) => s.step);
    const done =
      passed.length === 0
        ? [...this.done]
        : [
            ...this.done.filter((step) => !names.includes(step)),
            ...names.filter((step) => this.done.includes(step) || passed.includes(step)),
          ];
    const pending = this.steps.filter((s) => !done.includes(s.step));
    const byBatch = pending.filter((s) => this.isBatchStep(s));
    return {
      deadlineId: this.input.deadlineId,
      campaignId: this.input.ctx.campaignId,
      obligationKey: subject.obligationKey,
      cycleKey: subject.cycleKey,
      unitId: this.input.unitId,
      role: this.input.role,
      state: this.state(),
      outcome: this.outcome,
      opensAt: this.input.opensAt,
      dueAt: this.dueAt,
      dueOnHoliday: this.input.dueOnHoliday,
      nextStep: this.closed ? undefined : pending[0],
      stepsDone: done,
      receipt: this.receipt,
      extensions: this.extensions,
      ...(byBatch.length > 0 && !this.closed
        ? { byBatch: { clock: this.input.ctx.clock, steps: byBatch, next: pending.find((s) => !this.isBatchStep(s)) } }
        : {}),
    };
  }

  // ---- the timeline ----

  /** When the deadline closes unanswered: `graceMs` after its last step or its due instant. */
  closeAt(): string {
    const last = this.steps.reduce((m, s) => Math.max(m, Date.parse(s.deadline ?? s.at)), Date.parse(this.dueAt));
    return new Date(last + this.input.ctx.options.graceMs).toISOString();
  }

  /** The next thing to happen: the earliest step not done, the due instant, or the close. */
  nextItem(): TimelineItem | undefined {
    const items: TimelineItem[] = this.steps
      .filter((s) => !this.done.includes(s.step) && !this.isBatchStep(s))
      .map((step) => ({ type: 'step', step }));
    if (this.colourAt) items.push({ type: 'colour', at: this.colourAt });
    if (!this.overdueMarked) items.push({ type: 'overdue', at: this.dueAt });
    items.push({ type: 'close', at: this.closeAt() });
    return items.sort((a, b) => Date.parse(itemAt(a)) - Date.parse(itemAt(b)))[0];
  }

  markDone(step: string): void {
    if (!this.done.includes(step)) this.done.push(step);
  }

  /** The first of the batch's steps to change the colour has come, and visibility has been told. */
  markColourTold(): void {
    this.colourAt = undefined;
  }

  markOverdue(): void {
    this.overdueMarked = true;
  }

  /** A step's mail reached the office (it was among the recipients): the deadline turns red. */
  reached(step: ScheduledStep): void {
    if (step.notify.includes('office')) this.atOffice = true;
  }

  /** Nobody answered before the close: the deadline ends `missing`, and the ledger says so. */
  closeUnanswered(): LedgerEvent {
    this.closed = true;
    this.outcome = 'missing';
    return this.closedEvent();
  }

  /** Submitted or waived: it closed before its timeline ran out. */
  answered(): boolean {
    return this.outcome !== 'missing' && this.outcome !== undefined;
  }

  closedEvent(): LedgerEvent {
    return this.event('closed', 'deadline-closed', { data: { outcome: this.outcome } });
  }

  result(review?: DeadlineResult): DeadlineResult | undefined {
    if (!this.outcome) return undefined;
    const { deadlineId } = this.input;
    return { deadlineId, outcome: this.outcome, receipt: this.receipt, submission: this.submission, review };
  }

  // ---- the updates: each validator throws what the caller must see, each change returns its ledger events ----

  validateSubmit(req: SubmitRequest): void {
    if (isBlank(req?.by)) throw new Error('submit: "by" (who submits) is required');
    if (isBlank(req?.text)) throw new Error('submit: "text" (what is submitted) is required');
    if (this.receipt && this.submission) {
      // A validator is not run on replay: refusing more here meets no recorded history.
      if (sameSubmission(this.submission, req)) return;
      throw new Error(`submit: ${this.input.deadlineId} was already submitted at ${this.receipt.receivedAt}`);
    }
    if (this.closed) throw new Error(`submit: ${this.input.deadlineId} is closed (${this.outcome ?? 'closed'})`);
    this.receivedMs(req);
  }

  /** When a submission counts as received: now, or the instant a rehearsal names (domain/clock.ts). */
  private receivedMs(req: SubmitRequest): number {
    try {
      return requestInstant(this.input.ctx.clock, this.nowMs(), req.at);
    } catch (err) {
      throw new Error(`submit: ${(err as Error).message}`);
    }
  }

  /** The receipt, and the submission to record; an identical resubmission gets the same receipt and records nothing. */
  submit(req: SubmitRequest): { receipt: Receipt; events: LedgerEvent[] } {
    if (this.receipt) return { receipt: this.receipt, events: [] };
    const receivedMs = this.receivedMs(req);
    const lateMs = Math.max(0, receivedMs - Date.parse(this.dueAt));
    const receipt: Receipt = {
      deadlineId: this.input.deadlineId,
      unitId: this.input.unitId,
      receivedAt: new Date(receivedMs).toISOString(),
      dueAt: this.dueAt,
      onTime: lateMs === 0,
      lateMs,
      by: req.by,
    };
    this.receipt = receipt;
    this.submission = req;
    this.closed = true;
    this.outcome = lateMs === 0 ? 'on-time' : 'late';
    this.version++;
    const kind = this.input.role === 'review' ? 'review-comment' : 'submission';
    const data = { text: req.text, attachments: req.attachments ?? [], reviewedUnit: this.input.reviewedUnitId };
    return {
      receipt,
      events: [this.event('submission', kind, { at: receipt.receivedAt, actor: req.by, lateMs, data })],
    };
  }

  validateExtend(req: ExtendRequest): void {
    if (this.closed) throw new Error(`extend: ${this.input.deadlineId} is closed (${this.outcome ?? 'closed'})`);
    if (isBlank(req?.by)) throw new Error('extend: "by" (who grants it) is required');
    if (isBlank(req?.reason)) throw new Error('extend: "reason" is required');
    const t = Date.parse(req?.newDueAt ?? '');
    if (Number.isNaN(t)) throw new Error(`extend: "newDueAt" must be an ISO instant, got ${String(req?.newDueAt)}`);
    if (t <= Date.parse(this.dueAt))
      throw new Error(`extend: "newDueAt" must be after the current due instant ${this.dueAt}`);
  }

  /**
   * A new due instant: the steps for it get their own names, so their mail has its own dedupe
   * keys, and steps already in the past are not sent late. The ladder starts again.
   */
  extend(req: ExtendRequest): LedgerEvent {
    this.extensions += 1;
    // The batch mailed its steps that have passed; from now on every step is the deadline's own.
    for (const s of this.batchStepsPassed()) this.markDone(s.step);
    this.batchSteps = [];
    this.colourAt = undefined;
    const previous = this.dueAt;
    this.dueAt = new Date(Date.parse(req.newDueAt)).toISOString();
    const suffix = `~ext${this.extensions}`;
    const nowMs = this.nowMs();
    const plan = planForSteps(this.input.ctx);
    this.steps = stepsForDue(plan, this.input.obligation, this.input.opensAt, this.dueAt, this.stepOptions)
      .filter((s) => s.kind !== 'notice')
      .map((s) => ({ ...s, step: `${s.step}${suffix}` }));
    for (const s of this.steps) if (Date.parse(s.at) <= nowMs) this.markDone(s.step);
    this.overdueMarked = false;
    this.atOffice = false;
    this.version++;
    return this.event(`extension:${this.extensions}`, 'extension', {
      actor: req.by,
      reason: req.reason,
      data: { previousDueAt: previous, newDueAt: this.dueAt },
    });
  }

  validateWaive(req: WaiveRequest): void {
    if (this.closed) throw new Error(`waive: ${this.input.deadlineId} is closed (${this.outcome ?? 'closed'})`);
    if (isBlank(req?.by)) throw new Error('waive: "by" (who waives it) is required');
    if (isBlank(req?.reason)) throw new Error('waive: "reason" is required');
  }

  waive(req: WaiveRequest): LedgerEvent {
    this.closed = true;
    this.outcome = 'waived';
    this.version++;
    return this.event('waiver', 'waiver', { actor: req.by, reason: req.reason });
  }
}

/**
 * One deadline: one unit, one obligation, one cycle. It mails the opening notice, the
 * reminders and the due-day notice, then climbs the escalation ladder and ends in a
 * rectification order with a deadline of its own, all at the instants the calendar computed.
 * It ends when the unit submits, when the office waives it, or, unanswered, a grace period
 * after its last step. Every fact goes to the ledger under a deterministic id.
 *
 * A report with a leader review (领导点评) starts the reviewer's deadline as a child when the
 * report arrives, or at the report's due instant if it has not.
 *
 * The state and its rules are in DeadlineTimeline (deadline-timeline.ts) and the mail of each
 * step in DeadlineLadder (deadline-ladder.ts); this file wires the handlers to them and waits.
 */
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  allHandlersFinished,
  ParentClosePolicy,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { ScheduledStep } from '../domain/calendar-types';
import { planTime, serverDelayUntil } from '../domain/clock';
import type { DeadlineInput, DeadlineResult, OpeningDone } from '../domain/engine/inputs';
import {
  deadlineSearchAttributesOf,
  openedEvent,
  reviewDeadlineInput,
  stepAftermath,
} from '../domain/engine/deadline-opening';
import { DeadlineStateKey } from '../domain/engine/search-attributes';
import type { LedgerEvent } from '../ledger/types';
import type { DeadlineMessage, SendResult } from '../mail/types';
import { ACTIVITY_RETRY } from './activity-retry';
import {
  deadlineChangedSignal,
  deadlineStatusQuery,
  extendUpdate,
  submitUpdate,
  waiveUpdate,
  type DeadlineReport,
  type ExtendRequest,
  type SubmitRequest,
  type WaiveRequest,
} from './messages';
import { DeadlineTimeline, itemAt } from './deadline-timeline';
import { DeadlineLadder } from './deadline-ladder';
import { deadlinePatched, PATCHES, type Patch } from './patches';
import { deadlineInputProblems } from '../domain/engine/input-check';
import { instantWaiter } from './wake';

// Ordinary activities, not local ones: on the time-skipping server, local activities held
// the clock while a rehearsal waited for months of plan time (seen here, when every step's mail
// and write was one), and the ledger and the mailer are idempotent by their own keys either way.
const writes = proxyActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: ACTIVITY_RETRY });
const { recordEvents, sendMessage, sendAndReport } = writes;
// Except the write that closes a deadline started since v0.18 (`opening.closesInOneTask`): one
// ledger write, no mail, inside the workflow task that closes the deadline, which then completes
// in it; an activity of its own cost a workflow task more and the server an activity task.
const closingWrites = proxyLocalActivities<Activities>({ startToCloseTimeout: '2 minutes', retry: ACTIVITY_RETRY });

export async function deadlineWorkflow(input: DeadlineInput): Promise<DeadlineResult> {
  refuseUnusableInput(input);
  // Since v0.17 a deadline its batch started with shared steps takes the older patches unasked.
  const isPatched = deadlinePatched(input);
  // Since v0.10 the rectification order's deadline and the review go through the plan's holiday
  // rule, as preview shows them; runs started before work their dates out as they did.
  const holidayRule = isPatched(PATCHES.HOLIDAY_RULE_EVERY_DEADLINE);
  const timeline = new DeadlineTimeline(input, () => planTime(input.ctx.clock, Date.now()), { holidayRule });
  // Since v0.16 a change of colour rides on the activity the deadline runs anyway (a step's mail,
  // a ledger write), and an answer is recorded with its closing; runs started before signal.
  const run = new DeadlineRun(input, timeline, isPatched(PATCHES.COLOUR_REPORTS_IN_ACTIVITIES), isPatched);
  handleRequests(timeline, run);
  // Runs started before v0.4 cancelled their step timers on a wake (see workflows/wake.ts).
  const neverCancelTimers = isPatched(PATCHES.DEADLINE_WAKE_TIMERS);
  await run.open();
  await run.followTimeline(neverCancelTimers);
  return run.finish();
}

/**
 * Input the deadline cannot use fails it for good, naming the field, before anything reads it
 * (domain/engine/input-check.ts): a TypeError or an instant that is none would otherwise fail its
 * workflow task on every attempt, leaving the deadline RUNNING and its batch waiting for it.
 *
 * No `patched()` marker guards this: every release's starters wrote these fields so, and the
 * check asks of the later ones only what is present, so a history of theirs passes it and
 * replays as before. An input it refuses came from elsewhere, and a deadline started with it
 * never got past it: its first task failed on it (the steps, the unit's slice), or the first
 * wait on its instants did. A marker would cost every deadline a history event, in the fan-out.
 */
function refuseUnusableInput(input: DeadlineInput): void {
  const problems = deadlineInputProblems(input);
  if (problems.length === 0) return;
  throw ApplicationFailure.create({
    type: 'DeadlineInputInvalid',
    nonRetryable: true,
    message: `the deadline's input cannot be used: ${problems.slice(0, 5).join('; ')}${problems.length > 5 ? `; and ${problems.length - 5} more` : ''}`,
    details: [problems],
  });
}

/** The deadline's query and updates: each validator and change is the timeline's, each answer the run records. */
function handleRequests(timeline: DeadlineTimeline, run: DeadlineRun): void {
  setHandler(deadlineStatusQuery, () => timeline.status());
  setHandler(
    submitUpdate,
    async (req) => {
      const { receipt, events } = timeline.submit(req);
      // Awaited as before for a run started before v0.16: an extra async step would reorder its
      // update's completion against the main loop's commands, which replay checks.
      if (events.length > 0) await (run.reportsRide ? run.recordAnswer(events) : recordEvents(events));
      return receipt;
    },
    // An identical resubmission passes (and gets the same receipt): a client may retry.
    { validator: (req: SubmitRequest) => timeline.validateSubmit(req) },
  );
  setHandler(
    extendUpdate,
    async (req) => {
      await recordEvents([timeline.extend(req)]);
      // A deadline whose batch mails its shared steps (since v0.17) tells the batch the colour an
      // extension leaves it in: the batch counted it by the old steps, and nothing else would.
      if (run.input.opening?.sharedSteps) {
        timeline.reported = undefined;
        await run.reportState();
      }
      return timeline.status();
    },
    { validator: (req: ExtendRequest) => timeline.validateExtend(req) },
  );
  setHandler(
    waiveUpdate,
    async (req) => {
      const waiver = timeline.waive(req);
      await (run.reportsRide ? run.recordAnswer([waiver]) : recordEvents([waiver]));
      return timeline.status();
    },
    { validator: (req: WaiveRequest) => timeline.validateWaive(req) },
  );
}

/** One run of a deadline: what it does at each point of its timeline, through activities, signals and children. */
class DeadlineRun {
  private readonly ladder: DeadlineLadder;
  private review?: ChildWorkflowHandle<typeof deadlineWorkflow>;
  /** The answer's activity recorded the closing too (`COLOUR_REPORTS_IN_ACTIVITIES`). */
  private closingRecorded = false;
  /** The last report to the batch, which the next one follows (`COLOUR_REPORTS_IN_ACTIVITIES`). */
  private lastReport: Promise<unknown> = Promise.resolve();

  constructor(
    readonly input: DeadlineInput,
    private readonly timeline: DeadlineTimeline,
    /** Changes of colour ride on the deadline's activities (`COLOUR_REPORTS_IN_ACTIVITIES`). */
    readonly reportsRide: boolean,
    /** `isPatched` for this deadline (`deadlinePatched`). */
    private readonly isPatched: (patch: Patch) => boolean,
  ) {
    this.ladder = new DeadlineLadder(input);
  }

  /**
   * Records an answer (a submission or a waiver), which closed the deadline. Since v0.16 its
   * closing goes into the same write and the closed colour to the batch from the same activity,
   * and `finish` has neither left to do; the flag is set before anything is awaited, since the
   * main loop wakes on the closing while the write runs.
   */
  async recordAnswer(events: LedgerEvent[]): Promise<void> {
    const { timeline } = this;
    this.closingRecorded = true;
    await this.recordReporting([...events, timeline.closedEvent()], 'closing');
  }

  /** Records the opening, unless the starter did; then the notice the starter took on, if any. */
  async open(): Promise<void> {
    const { input, timeline } = this;
    const opening = input.opening;
    if (!opening) {
      await recordEvents([openedEvent(input)]);
    } else {
      // The starter recorded the opening, and took the notice on if it was due (activities/index.ts).
      const notice = timeline.steps.find((s) => s.step === opening.notice?.step);
      if (notice) {
        timeline.markDone(notice.step);
        await this.sendStep(notice, opening);
      }
      timeline.startedByStarter(opening.startedAs ?? 'green');
    }
    await this.reportState();
  }

  /** Waits for each item of the timeline in turn, until the deadline is answered or closes unanswered. */
  async followTimeline(neverCancelTimers: boolean): Promise<void> {
    const { timeline } = this;
    const clock = this.input.ctx.clock;
    const waitUntil = instantWaiter(clock);
    for (;;) {
      const item = timeline.nextItem();
      if (!item) break;
      const at = Date.parse(itemAt(item));
      const seen = timeline.version;
      const wake = (): boolean => timeline.closed || timeline.version !== seen;
      const woke = neverCancelTimers
        ? await waitUntil(wake, at)
        : await condition(wake, serverDelayUntil(clock, Date.now(), at) || 1);
      if (timeline.closed) break;
      if (woke) continue; // an extension changed the timeline
      if (item.type === 'close') {
        if (this.reportsRide) await this.recordReporting([timeline.closeUnanswered()], 'closing');
        else await recordEvents([timeline.closeUnanswered()]);
        break;
      }
      if (item.type === 'colour') {
        // Its batch mailed the step and counted the colour (since v0.17); visibility hears it from
        // here. A rehearsal's deadline started since v0.18 has no such wake (`wakesOnlyForVisibility`).
        timeline.markColourTold();
        this.colourReport();
        continue;
      }
      if (item.type === 'overdue') {
        timeline.markOverdue();
        await this.startReview();
      } else {
        timeline.markDone(item.step.step);
        await this.sendStep(item.step);
      }
      await this.reportState();
    }
  }

  /** Records how an answered deadline closed, starts its review if due, and waits for it. */
  async finish(): Promise<DeadlineResult> {
    const { timeline } = this;
    // Closing events for answered deadlines came in v0.2; histories recorded before it did not
    // write them, and replaying them must not ask for one.
    if (timeline.answered() && this.isPatched(PATCHES.RECORD_CLOSED_OUTCOME) && !this.closingRecorded)
      await recordEvents([timeline.closedEvent()]);
    await this.startReview();
    await this.reportState();
    const review = this.review ? await this.review.result() : undefined;
    await condition(allHandlersFinished);
    const result = timeline.result(review);
    if (!result) throw ApplicationFailure.nonRetryable(`deadline ${this.input.deadlineId} ended without an outcome`);
    return result;
  }

  /** Tells the batch (and Temporal's visibility) when the colour changes that no activity told. */
  async reportState(): Promise<void> {
    const report = this.colourReport();
    if (!report) return;
    const signal = (): Promise<void> =>
      getExternalWorkflowHandle(report.batchWorkflowId).signal(deadlineChangedSignal, report.change);
    await (this.reportsRide ? this.inTurn(signal) : signal());
  }

  /** The change of colour to tell the batch, if any, with Temporal's visibility told at once. */
  private colourReport(): DeadlineReport | undefined {
    const change = this.timeline.colourChange();
    if (!change) return undefined;
    if (this.input.ctx.options.searchAttributes)
      upsertSearchAttributes([{ key: DeadlineStateKey, value: change.state }]);
    return { batchWorkflowId: this.input.batchWorkflowId, change };
  }

  /**
   * Sends a report after the one before it has arrived. An answer's report goes from its update
   * handler while the main loop may still be sending one, and two activities (or an activity and
   * a signal) arrive in no set order: a batch told "blue" after "closed" would wait for ever.
   */
  private inTurn<T>(send: () => Promise<T>): Promise<T> {
    const sent = this.lastReport.then(send);
    this.lastReport = sent.catch(() => undefined);
    return sent;
  }

  /**
   * Records `events`, and tells the batch the colour they leave it in from the same activity; the
   * closing of a deadline started since v0.18 from a local one (`closesInOneTask`).
   */
  private async recordReporting(events: LedgerEvent[], what: 'closing' | 'other' = 'other'): Promise<void> {
    const through = what === 'closing' && this.input.opening?.closesInOneTask === true ? closingWrites : writes;
    const report = this.colourReport();
    if (!report) await through.recordEvents(events);
    else await this.inTurn(() => through.recordAndReport({ events, report }));
  }

  /** Sends a step's mail, and tells the batch the colour the step leaves it in from the same activity. */
  private async sendReporting(step: ScheduledStep, message: DeadlineMessage): Promise<SendResult> {
    // The colour after the step is known before its mail goes: the time has come, and a step to
    // the office turns the deadline red whatever the mail server says.
    this.timeline.reached(step);
    const report = this.colourReport();
    if (!report) return sendMessage(message);
    return this.inTurn(() => sendAndReport({ message, report }));
  }

  /** Mails a step, or leaves it to the starter that took it on, and records what follows. */
  private async sendStep(step: ScheduledStep, opening?: OpeningDone): Promise<void> {
    const { timeline, ladder } = this;
    const mail = ladder.mailFor(step, timeline.dueAt, timeline.nowIso(), opening);
    if (mail.by === 'starter') {
      timeline.reached(step);
      return;
    }
    let rejected = mail.by === 'starter-before-start' && mail.rejected;
    let reachedUnit = false;
    if (mail.by === 'deadline' && mail.built.message.to.length > 0) {
      const sent = this.reportsRide
        ? await this.sendReporting(step, mail.built.message)
        : await sendMessage(mail.built.message);
      rejected = sent.status === 'failed';
      // Since v0.20 a unit without an address when the deadline opened, given one by a re-import
      // since, was mailed itself (mail/current-contacts.ts): no escalation for want of an address.
      // Asked only then, so that no other deadline carries the marker.
      reachedUnit = sent.reachedUnit === true && this.isPatched(PATCHES.UNIT_REACHED_AFTER_REIMPORT);
    }
    timeline.reached(step);
    const { fallback, events } = stepAftermath(
      this.input,
      step,
      timeline.dueAt,
      { ...mail, reachedUnit },
      rejected,
      timeline.nowIso(),
    );
    if (fallback) await sendMessage(fallback);
    if (events.length > 0) {
      if (this.reportsRide) await this.recordReporting(events);
      else await recordEvents(events);
    }
  }

  /** Starts the leader review, if the report has one and it has not started. */
  private async startReview(): Promise<void> {
    if (this.review) return;
    const { dueAt, receipt, stepOptions } = this.timeline;
    const reviewInput = reviewDeadlineInput(this.input, dueAt, receipt, stepOptions);
    if (!reviewInput) return;
    // Since v0.15 the review starts with its search attributes, as a report does, so that list,
    // status, the console and /me find it; a run started before starts it without them.
    const withAttributes = this.isPatched(PATCHES.REVIEW_SEARCH_ATTRIBUTES) && reviewInput.ctx.options.searchAttributes;
    this.review = await startChild(deadlineWorkflow, {
      workflowId: reviewInput.deadlineId,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      args: [reviewInput],
      ...(withAttributes ? { typedSearchAttributes: deadlineSearchAttributesOf(reviewInput) } : {}),
    });
  }
}

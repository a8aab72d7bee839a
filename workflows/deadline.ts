/**
 * One deadline: one unit, one obligation, one cycle. It mails the opening notice, the
 * reminders and the due-day notice, then climbs the escalation ladder and ends in a
 * rectification order with a deadline of its own, all at the instants the calendar computed.
 * It ends when the unit submits, when the office waives it, or, unanswered, a grace period
 * after its last step. Every fact goes to the ledger under a deterministic id.
 *
 * A report with a leader review (领导点评) starts the reviewer's deadline as a child when the
 * report arrives, or at the report's due instant if it has not.
 */
import {
  ApplicationFailure,
  condition,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  allHandlersFinished,
  ParentClosePolicy,
  type ChildWorkflowHandle,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { Obligation } from '../domain/plan-schema';
import type { Org } from '../domain/org-schema';
import type { ScheduledStep } from '../domain/calendar-types';
import { stepsForDue, reviewDueAt } from '../domain/calendar';
import { deadlineState, type DeadlineOutcome, type DeadlineState } from '../domain/deadline-state';
import { planTime, serverDelayUntil } from '../domain/clock';
import type { LedgerEvent } from '../ledger/types';
import { ACTIVITY_RETRY, planForSteps, reviewWorkflowId, type CampaignContext } from './context';
import { buildMessage, type MessageSubject } from './mail-message';
import {
  deadlineChangedSignal,
  deadlineStatusQuery,
  extendUpdate,
  submitUpdate,
  waiveUpdate,
  type DeadlineStatus,
  type ExtendRequest,
  type Receipt,
  type SubmitRequest,
  type WaiveRequest,
} from './messages';
import { DeadlineStateKey } from './search-attributes';
import {
  deadlineEvent,
  initialSteps,
  messageSubjectOf,
  openedEvent,
  rejectedMailFallback,
  type OpeningDone,
} from './deadline-start';
import { instantWaiter } from './wake';

// Ordinary activities, not local ones: on the time-skipping server, local activities held
// the clock while a rehearsal waited for months of plan time (seen here), and the ledger and
// the mailer are idempotent by their own keys either way.
const { recordEvents, sendMessage } = proxyActivities<Activities>({
  startToCloseTimeout: '2 minutes',
  retry: ACTIVITY_RETRY,
});

export interface CycleInfo {
  key: string;
  label: string;
  labelEn: string;
  phaseKey: string;
}

export interface DeadlineInput {
  ctx: CampaignContext;
  deadlineId: string;
  role: 'report' | 'review';
  obligation: Obligation;
  cycle: CycleInfo;
  /** The responsible unit: the submitter of a report, the reviewer of a review. */
  unitId: string;
  /** For a review: the unit whose report is reviewed. */
  reviewedUnitId?: string;
  /** The unit, its parent and the office, for recipients. */
  org: Org;
  opensAt: string;
  dueAt: string;
  dueOnHoliday: boolean;
  /** Who to tell about state changes. */
  batchWorkflowId: string;
  /** Set by a starter that recorded the opening and perhaps sent the notice itself (since v0.6). */
  opening?: OpeningDone;
}

export interface DeadlineResult {
  deadlineId: string;
  outcome: DeadlineOutcome;
  receipt?: Receipt;
  /** What was submitted, so that an identical submission after the end gets the same receipt. */
  submission?: SubmitRequest;
  review?: DeadlineResult;
}

/** A point on the deadline's timeline: a mail step, or the due instant itself (it turns overdue). */
type TimelineItem =
  { type: 'step'; step: ScheduledStep } | { type: 'overdue'; at: string } | { type: 'close'; at: string };

const isBlank = (s: unknown): boolean => typeof s !== 'string' || s.trim() === '';

export async function deadlineWorkflow(input: DeadlineInput): Promise<DeadlineResult> {
  const { ctx, obligation, role } = input;
  const plan = planForSteps(ctx);
  const unit = input.org.units[input.unitId];
  const now = (): number => planTime(ctx.clock, Date.now());
  const nowIso = (): string => new Date(now()).toISOString();

  let dueAt = input.dueAt;
  let steps = initialSteps(input);
  const done = new Set<string>();
  let extensions = 0;
  let overdueMarked = false;
  let atOffice = false;
  let closed = false;
  let outcome: DeadlineOutcome | undefined;
  let receipt: Receipt | undefined;
  let lastSubmission: SubmitRequest | undefined;
  /** Bumped by every update that changes the timeline, to wake the main loop. */
  let version = 0;
  let reportedState: DeadlineState | undefined;
  let reviewHandle: ChildWorkflowHandle<typeof deadlineWorkflow> | undefined;

  const event = (suffix: string, kind: LedgerEvent['kind'], extra: Partial<LedgerEvent> = {}): LedgerEvent =>
    deadlineEvent(input, dueAt, nowIso(), suffix, kind, extra);
  const subject = (): MessageSubject => messageSubjectOf(input, dueAt);

  const firstReminderMs = (): number | undefined => {
    const r = steps.find((s) => s.kind === 'reminder');
    return r ? Date.parse(r.at) : undefined;
  };
  const currentState = (): DeadlineState =>
    deadlineState({ nowMs: now(), dueMs: Date.parse(dueAt), firstReminderMs: firstReminderMs(), closed, atOffice });

  const status = (): DeadlineStatus => ({
    deadlineId: input.deadlineId,
    campaignId: ctx.campaignId,
    obligationKey: subject().obligationKey,
    cycleKey: subject().cycleKey,
    unitId: input.unitId,
    role,
    state: currentState(),
    outcome,
    opensAt: input.opensAt,
    dueAt,
    dueOnHoliday: input.dueOnHoliday,
    nextStep: closed ? undefined : steps.find((s) => !done.has(s.step)),
    stepsDone: [...done],
    receipt,
    extensions,
  });

  /** Tells the batch (and Temporal's visibility) when the colour changes. */
  const reportState = async (): Promise<void> => {
    const state = currentState();
    if (state === reportedState) return;
    reportedState = state;
    if (ctx.options.searchAttributes) upsertSearchAttributes([{ key: DeadlineStateKey, value: state }]);
    await getExternalWorkflowHandle(input.batchWorkflowId).signal(deadlineChangedSignal, {
      deadlineId: input.deadlineId,
      state,
      ...(state === 'closed' && outcome ? { outcome } : {}),
    });
  };

  // ---- the handlers ----

  setHandler(deadlineStatusQuery, status);

  setHandler(
    submitUpdate,
    async (req: SubmitRequest): Promise<Receipt> => {
      if (receipt) return receipt; // the validator let only the identical submission through
      const receivedMs = now();
      const lateMs = Math.max(0, receivedMs - Date.parse(dueAt));
      receipt = {
        deadlineId: input.deadlineId,
        unitId: input.unitId,
        receivedAt: new Date(receivedMs).toISOString(),
        dueAt,
        onTime: lateMs === 0,
        lateMs,
        by: req.by,
      };
      lastSubmission = req;
      closed = true;
      outcome = lateMs === 0 ? 'on-time' : 'late';
      version++;
      await recordEvents([
        event('submission', role === 'review' ? 'review-comment' : 'submission', {
          at: receipt.receivedAt,
          actor: req.by,
          lateMs,
          data: { text: req.text, attachments: req.attachments ?? [], reviewedUnit: input.reviewedUnitId },
        }),
      ]);
      return receipt;
    },
    {
      validator: (req: SubmitRequest): void => {
        if (isBlank(req?.by)) throw new Error('submit: "by" (who submits) is required');
        if (isBlank(req?.text)) throw new Error('submit: "text" (what is submitted) is required');
        if (receipt && lastSubmission) {
          const same = lastSubmission.by === req.by && lastSubmission.text === req.text;
          if (same) return;
          throw new Error(`submit: ${input.deadlineId} was already submitted at ${receipt.receivedAt}`);
        }
        if (closed) throw new Error(`submit: ${input.deadlineId} is closed (${outcome ?? 'closed'})`);
      },
    },
  );

  setHandler(
    extendUpdate,
    async (req: ExtendRequest): Promise<DeadlineStatus> => {
      extensions += 1;
      const previous = dueAt;
      dueAt = new Date(Date.parse(req.newDueAt)).toISOString();
      // The steps for the new due instant get their own names, so their mail has its own
      // dedupe keys; steps already in the past are not sent late.
      const suffix = `~ext${extensions}`;
      const nowMs = now();
      steps = stepsForDue(plan, obligation, input.opensAt, dueAt)
        .filter((s) => s.kind !== 'notice')
        .map((s) => ({ ...s, step: `${s.step}${suffix}` }));
      for (const s of steps) if (Date.parse(s.at) <= nowMs) done.add(s.step);
      overdueMarked = false;
      atOffice = false;
      version++;
      await recordEvents([
        event(`extension:${extensions}`, 'extension', {
          actor: req.by,
          reason: req.reason,
          data: { previousDueAt: previous, newDueAt: dueAt },
        }),
      ]);
      return status();
    },
    {
      validator: (req: ExtendRequest): void => {
        if (closed) throw new Error(`extend: ${input.deadlineId} is closed (${outcome ?? 'closed'})`);
        if (isBlank(req?.by)) throw new Error('extend: "by" (who grants it) is required');
        if (isBlank(req?.reason)) throw new Error('extend: "reason" is required');
        const t = Date.parse(req?.newDueAt ?? '');
        if (Number.isNaN(t)) throw new Error(`extend: "newDueAt" must be an ISO instant, got ${String(req?.newDueAt)}`);
        if (t <= Date.parse(dueAt))
          throw new Error(`extend: "newDueAt" must be after the current due instant ${dueAt}`);
      },
    },
  );

  setHandler(
    waiveUpdate,
    async (req: WaiveRequest): Promise<DeadlineStatus> => {
      closed = true;
      outcome = 'waived';
      version++;
      await recordEvents([event('waiver', 'waiver', { actor: req.by, reason: req.reason })]);
      return status();
    },
    {
      validator: (req: WaiveRequest): void => {
        if (closed) throw new Error(`waive: ${input.deadlineId} is closed (${outcome ?? 'closed'})`);
        if (isBlank(req?.by)) throw new Error('waive: "by" (who waives it) is required');
        if (isBlank(req?.reason)) throw new Error('waive: "reason" is required');
      },
    },
  );

  // ---- the steps ----

  /** Mails a step; `sentBy` is the starter's word that it already sent this one (the notice). */
  const sendStep = async (step: ScheduledStep, sentBy?: OpeningDone): Promise<void> => {
    if (sentBy?.notice?.status === 'after-start') {
      // The starter mails it after starting this deadline and follows a rejection up itself.
      if (step.notify.includes('office')) atOffice = true;
      return;
    }
    const sentAt = sentBy?.at ?? nowIso();
    const built = buildMessage(ctx, input.org, subject(), step, role, sentAt);
    if (role === 'review') built.message.reviewedUnitName = input.org.units[input.reviewedUnitId ?? '']?.name;
    let rejected = false;
    if (sentBy?.notice) rejected = sentBy.notice.status === 'failed';
    else if (built.message.to.length > 0) rejected = (await sendMessage(built.message)).status === 'failed';
    if (step.notify.includes('office')) atOffice = true;
    const events: LedgerEvent[] = [];
    if (step.kind === 'escalation') events.push(event(`escalated:${step.step}`, 'escalated', { step: step.step }));
    if (step.kind === 'rectification') {
      events.push(
        event('rectification', 'rectification-ordered', { step: step.step, data: { deadline: step.deadline } }),
      );
    }
    // A unit that cannot be reached is escalated to its parent at once, and the ledger says so.
    if (built.unreachable) {
      events.push(
        event(`escalated:${step.step}:unreachable`, 'escalated', {
          step: `${step.step}:unreachable`,
          reason: 'no usable address; the parent was told instead',
        }),
      );
    } else if (rejected) {
      const fallback = rejectedMailFallback(input, dueAt, step, sentAt, nowIso());
      if (fallback?.message) await sendMessage(fallback.message);
      if (fallback) events.push(fallback.event);
    }
    if (events.length > 0) await recordEvents(events);
  };

  const startReview = async (): Promise<void> => {
    if (!obligation.review || reviewHandle || role !== 'report') return;
    const reviewerId = unit?.parentId ?? input.org.officeId;
    const base = receipt && receipt.lateMs === 0 ? receipt.receivedAt : dueAt;
    const reviewDue = reviewDueAt(plan, obligation, dueAt, receipt?.receivedAt);
    const reviewObligation: Obligation = {
      ...obligation,
      key: `${obligation.key}.review`,
      title: obligation.review.title,
      titleEn: obligation.review.titleEn,
      opens: '+0d',
      reminders: obligation.review.reminders,
      escalation: [],
      rectification: undefined,
      review: undefined,
    };
    const id = reviewWorkflowId(ctx.campaignId, obligation.key, input.cycle.key, input.unitId);
    reviewHandle = await startChild(deadlineWorkflow, {
      workflowId: id,
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      args: [
        {
          ...input,
          // The starter opened the report, not its review: the review opens itself.
          opening: undefined,
          deadlineId: id,
          role: 'review',
          obligation: reviewObligation,
          unitId: reviewerId,
          reviewedUnitId: input.unitId,
          opensAt: base,
          dueAt: reviewDue,
          dueOnHoliday: false,
        },
      ],
    });
  };

  const closeAt = (): string => {
    const lastStep = steps.reduce((m, s) => Math.max(m, Date.parse(s.deadline ?? s.at)), Date.parse(dueAt));
    return new Date(lastStep + ctx.options.graceMs).toISOString();
  };

  const nextItem = (): TimelineItem | undefined => {
    const items: TimelineItem[] = steps.filter((s) => !done.has(s.step)).map((step) => ({ type: 'step', step }));
    if (!overdueMarked) items.push({ type: 'overdue', at: dueAt });
    items.push({ type: 'close', at: closeAt() });
    const at = (i: TimelineItem): number => Date.parse(i.type === 'step' ? i.step.at : i.at);
    return items.sort((a, b) => at(a) - at(b))[0];
  };

  // ---- the timeline ----

  // Runs started before v0.4 cancelled their step timers on a wake (see workflows/wake.ts).
  const neverCancelTimers = patched('wake-timers-never-cancelled');
  const waitUntil = instantWaiter(ctx.clock);
  const opening = input.opening;
  if (!opening) {
    await recordEvents([openedEvent(input)]);
  } else {
    // The starter recorded the opening, and sent the notice if it was due (deadline-start.ts).
    const notice = steps.find((s) => s.step === opening.notice?.step);
    if (notice) {
      done.add(notice.step);
      await sendStep(notice, opening);
    }
    // It also started this deadline green in visibility and the batch counts it green.
    if (currentState() === 'green') reportedState = 'green';
  }
  await reportState();

  for (;;) {
    const item = nextItem();
    if (!item) break;
    const at = item.type === 'step' ? item.step.at : item.at;
    const seen = version;
    const woke = neverCancelTimers
      ? await waitUntil(() => closed || version !== seen, Date.parse(at))
      : await condition(() => closed || version !== seen, serverDelayUntil(ctx.clock, Date.now(), Date.parse(at)) || 1);
    if (closed) break;
    if (woke) continue; // an extension changed the timeline
    if (item.type === 'close') {
      closed = true;
      outcome = 'missing';
      await recordEvents([event('closed', 'deadline-closed', { data: { outcome } })]);
      break;
    }
    if (item.type === 'overdue') {
      overdueMarked = true;
      await startReview();
    } else {
      done.add(item.step.step);
      await sendStep(item.step);
    }
    await reportState();
  }

  if (outcome !== 'missing' && outcome !== undefined && patched('record-closed-outcome')) {
    // Closing events for answered deadlines came with this change; histories recorded before
    // it did not write them, and replaying them must not ask for one.
    await recordEvents([event('closed', 'deadline-closed', { data: { outcome } })]);
  }
  await startReview();
  await reportState();
  const review = reviewHandle ? await reviewHandle.result() : undefined;
  await condition(allHandlersFinished);
  if (!outcome) throw ApplicationFailure.nonRetryable(`deadline ${input.deadlineId} ended without an outcome`);
  return { deadlineId: input.deadlineId, outcome, receipt, submission: lastSubmission, review };
}

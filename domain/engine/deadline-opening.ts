/**
 * The opening of a deadline, and what both a deadline and whoever starts it build from its
 * input: its search attributes, its ledger events and the subject of its mail. The batch
 * (children, before v0.5), the `startDeadlines` activity (since v0.5) and the deadline workflow
 * share these, so that an opening recorded or a notice sent by the starter (since v0.6) is the
 * same, byte for byte, as one the deadline would have made itself. Deterministic.
 */
import type { SearchAttributePair } from '@temporalio/common';
import type { LedgerEvent } from '../../ledger/types';
import type { DeadlineMessage } from '../../mail/types';
import { reviewDueAt, reviewObligationOf, reviewSchedule, stepsForDue, type StepOptions } from '../calendar';
import type { Obligation } from '../plan-schema';
import type { ScheduledStep } from '../calendar-types';
import { orgSlice, unitSlicer } from '../org-slice';
import type { Org } from '../org-schema';
import type { BatchInput, DeadlineInput } from './inputs';
import type { Receipt } from './requests';
import { deadlineWorkflowId, planForSteps, reviewWorkflowId } from './context';
import { buildMessage, TOLD_INSTEAD_REASONS, type BuiltMessage, type MessageSubject } from './mail-message';
import { deadlineSearchAttributes } from './search-attributes';

/** The input of one unit's report deadline in a batch. */
export function reportDeadlineInput(batch: BatchInput, unitId: string): DeadlineInput {
  const org = batchOrg(batch);
  return reportInput(batch, unitId, (id) => orgSlice(org, [id]));
}

/**
 * `reportDeadlineInput` for many units of a batch, the same inputs, each unit's slice cut without
 * a pass over the batch's whole organisation (`unitSlicer`): for the starters, in activities.
 */
export function reportDeadlineInputs(batch: BatchInput, unitIds: readonly string[]): DeadlineInput[] {
  const sliceOf = unitSlicer(batchOrg(batch));
  return unitIds.map((unitId) => reportInput(batch, unitId, sliceOf));
}

function batchOrg(batch: BatchInput): Org {
  // A batch by reference (since v0.13) has none: its starter cuts the slice from the stored version first.
  if (!batch.org) throw new Error(`batch ${batch.batchId} carries no organisation slice`);
  return batch.org;
}

function reportInput(batch: BatchInput, unitId: string, sliceOf: (unitId: string) => Org): DeadlineInput {
  const { ctx, obligation, cycle } = batch;
  return {
    ctx,
    deadlineId: deadlineWorkflowId(ctx.campaignId, obligation.key, cycle.cycleKey, unitId),
    role: 'report',
    obligation,
    cycle: { key: cycle.cycleKey, label: cycle.cycleLabel, labelEn: cycle.cycleLabelEn, phaseKey: cycle.phaseKey },
    unitId,
    org: sliceOf(unitId),
    opensAt: cycle.opensAt,
    dueAt: cycle.dueAt,
    dueOnHoliday: cycle.dueOnHoliday,
    batchWorkflowId: batch.batchId,
  };
}

/**
 * A deadline's search attributes as it starts. A leader review (since v0.15) is found as what it
 * is: owed by its reviewer (`UnitId`, as its status says), in the committee of the report it
 * reviews (a committee's list holds the reviews of its branches' reports), in the report's cycle,
 * under the obligation key `<report>.review` that its workflow id and ledger rows carry too.
 */
export function deadlineSearchAttributesOf(d: DeadlineInput): SearchAttributePair[] {
  const scopeUnit = d.role === 'review' ? (d.reviewedUnitId ?? d.unitId) : d.unitId;
  return deadlineSearchAttributes({
    campaignId: d.ctx.campaignId,
    unitId: d.unitId,
    committeeId: d.org.units[scopeUnit]?.committeeId ?? '',
    obligationKey: d.obligation.key,
    cycleKey: d.cycle.key,
    state: d.opening?.startedAs,
  });
}

/** The obligation and cycle a deadline's ledger rows and mail name: a review's cycle names the reviewed unit. */
function ledgerKeys(input: DeadlineInput): { obligationKey: string; cycleKey: string } {
  return {
    obligationKey: input.obligation.key,
    cycleKey: input.role === 'review' ? `${input.cycle.key}:${input.reviewedUnitId ?? ''}` : input.cycle.key,
  };
}

/** A ledger event of this deadline, under the deterministic id `<deadline id>:<suffix>`. */
export function deadlineEvent(
  input: DeadlineInput,
  dueAt: string,
  at: string,
  suffix: string,
  kind: LedgerEvent['kind'],
  extra: Partial<LedgerEvent> = {},
): LedgerEvent {
  return {
    id: `${input.deadlineId}:${suffix}`,
    campaignId: input.ctx.campaignId,
    kind,
    at,
    phaseKey: input.cycle.phaseKey,
    ...ledgerKeys(input),
    unitId: input.unitId,
    committeeId: input.org.units[input.unitId]?.committeeId,
    dueAt,
    ...extra,
  };
}

/**
 * The ledger's record that the deadline opened (at its opening instant, whenever it is written),
 * with the holiday rule's flag when the due instant falls on a day off, as preview shows it.
 */
export function openedEvent(input: DeadlineInput): LedgerEvent {
  const extra = input.dueOnHoliday ? { data: { dueOnHoliday: true } } : {};
  return deadlineEvent(input, input.dueAt, input.opensAt, 'opened', 'deadline-opened', extra);
}

export function messageSubjectOf(input: DeadlineInput, dueAt: string): MessageSubject {
  const keys = ledgerKeys(input);
  return {
    unitId: input.unitId,
    obligationKey: keys.obligationKey,
    obligationTitle: input.obligation.title,
    cycleKey: keys.cycleKey,
    cycleLabel: input.cycle.label,
    phaseKey: input.cycle.phaseKey,
    dueAt,
    ...(input.role === 'review'
      ? { reviewedUnitName: input.org.units[input.reviewedUnitId ?? '']?.name ?? input.reviewedUnitId }
      : {}),
  };
}

/**
 * The deadline's steps for its original due instant. `holidayRule` (workflows/patches.ts,
 * HOLIDAY_RULE_EVERY_DEADLINE) sends the rectification order's deadline through the holiday rule;
 * the notice is the same either way, so a starter that only mails the notice may leave it out.
 */
export function initialSteps(input: DeadlineInput, opts: StepOptions = {}): ScheduledStep[] {
  return stepsForDue(planForSteps(input.ctx), input.obligation, input.opensAt, input.dueAt, opts);
}

/**
 * What follows a step's mail that the server rejected, when it was for the unit alone: the
 * parent is told instead (if it can be reached), and the ledger records the escalation, at `at`.
 * The deadline and, for the notices it sends, the starter do the same.
 */
export function rejectedMailFallback(
  input: DeadlineInput,
  dueAt: string,
  step: ScheduledStep,
  sentAt: string,
  at: string,
): { message?: DeadlineMessage; event: LedgerEvent } | undefined {
  if (!step.notify.includes('unit') || step.notify.includes('parent')) return undefined;
  const fallback = { ...step, step: `${step.step}:to-parent`, notify: ['parent' as const] };
  const viaParent = buildMessage(input.ctx, input.org, messageSubjectOf(input, dueAt), fallback, input.role, sentAt);
  return {
    message: viaParent.message.to.length > 0 ? viaParent.message : undefined,
    event: deadlineEvent(input, dueAt, at, `escalated:${fallback.step}`, 'escalated', {
      step: fallback.step,
      reason: TOLD_INSTEAD_REASONS.rejected,
    }),
  };
}

/**
 * Whether its batch mails `step` for every deadline it still counts open (since v0.17,
 * workflows/patches.ts `SHARED_STEPS_BY_BATCH`): the notice (unless the starter took it on), the
 * reminders and the due-day notice, to the unit alone, before the due instant. Such a step
 * records nothing unless its mail cannot go (no address, or rejected) and leaves the colour what
 * the clock makes it, so that the batch's one timer and one activity can stand for a timer and an
 * activity in each of its deadlines. Escalations and rectification orders stay with the
 * deadline, which records them.
 */
export function isSharedStep(step: ScheduledStep, dueAt: string): boolean {
  return (
    (step.kind === 'notice' || step.kind === 'reminder' || step.kind === 'due') &&
    step.notify.length === 1 &&
    step.notify[0] === 'unit' &&
    Date.parse(step.at) < Date.parse(dueAt)
  );
}

/**
 * What follows a step's mail, at `at`: the ledger's escalation or rectification order, and
 * either the escalation of a unit that could not be reached (its parent was told instead; not
 * when the mail reached it after all, `reachedUnit`, its contacts re-imported since the deadline
 * opened) or, when the mail server rejected the unit's mail, the same mail to the parent. The deadline
 * (workflows/deadline-ladder.ts) and a batch mailing a shared step do the same.
 */
export function stepAftermath(
  input: DeadlineInput,
  step: ScheduledStep,
  dueAt: string,
  mail: { built: BuiltMessage; sentAt: string; reachedUnit?: boolean },
  rejected: boolean,
  at: string,
): { fallback?: DeadlineMessage; events: LedgerEvent[] } {
  const event = (suffix: string, kind: LedgerEvent['kind'], extra: Partial<LedgerEvent>): LedgerEvent =>
    deadlineEvent(input, dueAt, at, suffix, kind, extra);
  const events: LedgerEvent[] = [];
  if (step.kind === 'escalation') events.push(event(`escalated:${step.step}`, 'escalated', { step: step.step }));
  if (step.kind === 'rectification') {
    events.push(
      event('rectification', 'rectification-ordered', { step: step.step, data: { deadline: step.deadline } }),
    );
  }
  // Built unreachable but sent to the unit, its contacts re-imported since: as any other mail.
  if (mail.built.unreachable && !mail.reachedUnit) {
    events.push(
      event(`escalated:${step.step}:unreachable`, 'escalated', {
        step: `${step.step}:unreachable`,
        reason: TOLD_INSTEAD_REASONS.unreachable,
      }),
    );
    return { events };
  }
  const fallback = rejected ? rejectedMailFallback(input, dueAt, step, mail.sentAt, at) : undefined;
  if (fallback) events.push(fallback.event);
  return { fallback: fallback?.message, events };
}

/**
 * The notice a starter may send for the deadline at plan instant `at`: only a report's, only
 * when its instant has come, and only to a unit that can be reached (otherwise the deadline
 * sends it itself, so that the ledger says who was told instead). A starter of many deadlines
 * with the same plan, obligation and instants hands in their `steps`, worked out once.
 */
export function dueNotice(
  input: DeadlineInput,
  at: string,
  steps: ScheduledStep[] = initialSteps(input),
): { step: ScheduledStep; built: BuiltMessage } | undefined {
  if (input.role !== 'report') return undefined;
  const step = steps.find((s) => s.kind === 'notice');
  if (!step || Date.parse(step.at) > Date.parse(at)) return undefined;
  const built = buildMessage(input.ctx, input.org, messageSubjectOf(input, input.dueAt), step, input.role, at);
  if (built.unreachable || built.message.to.length === 0) return undefined;
  return { step, built };
}

/**
 * The input of a report's leader review (领导点评): a deadline of the reviewer (the unit's parent,
 * or the office), opening when the report arrived on time or else at its due instant, and due
 * as the plan says. Undefined for a report without a review, and for a review.
 *
 * With `holidayRule` (HOLIDAY_RULE_EVERY_DEADLINE) it is the calendar's `reviewSchedule`, the
 * one preview shows: the due date through the holiday rule and the plan's escalation ladder for
 * the review. Deadlines started before that computed it here, never flagged and never escalated,
 * and keep doing so on replay.
 */
export function reviewDeadlineInput(
  report: DeadlineInput,
  dueAt: string,
  receipt?: Receipt,
  opts: StepOptions = {},
): DeadlineInput | undefined {
  const { ctx, obligation } = report;
  if (!obligation.review || report.role !== 'report') return undefined;
  const reviewerId = report.org.units[report.unitId]?.parentId ?? report.org.officeId;
  const base = {
    ...report,
    // The starter opened the report, not its review: the review opens itself.
    opening: undefined,
    deadlineId: reviewWorkflowId(ctx.campaignId, obligation.key, report.cycle.key, report.unitId),
    role: 'review' as const,
    unitId: reviewerId,
    reviewedUnitId: report.unitId,
  };
  const receivedAt = receipt?.receivedAt;
  if (opts.holidayRule === true) {
    const review = reviewSchedule(planForSteps(ctx), obligation, dueAt, receivedAt);
    return {
      ...base,
      obligation: reviewObligationOf(obligation),
      opensAt: review.opensAt,
      dueAt: review.dueAt,
      dueOnHoliday: review.dueOnHoliday,
    };
  }
  const legacyObligation: Obligation = {
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
  return {
    ...base,
    obligation: legacyObligation,
    opensAt: receipt && receipt.lateMs === 0 ? receipt.receivedAt : dueAt,
    dueAt: reviewDueAt(planForSteps(ctx), obligation, dueAt, receivedAt),
    dueOnHoliday: false,
  };
}

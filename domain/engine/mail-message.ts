/**
 * Builds the mail a deadline step sends: who is told (from the organisation slice the
 * deadline carries) and what they are told. Deterministic, so it runs inside workflows.
 */
import type { Audience } from '../plan-schema';
import type { Org } from '../org-schema';
import type { StepKind } from '../calendar-types';
import { recipientsFor } from '../recipients';
import type { DeadlineMessage, MessageKind } from '../../mail/types';
import type { CampaignContext } from './context';

export interface MessageSubject {
  unitId: string;
  obligationKey: string;
  obligationTitle: string;
  cycleKey: string;
  cycleLabel: string;
  phaseKey: string;
  dueAt: string;
  /** For a review: the name of the unit whose report is reviewed, which its mail names. */
  reviewedUnitName?: string;
}

/**
 * A review's mail has templates of its own, which name the reviewed branch and the cycle in the
 * subject and the body: the report's templates would name only the reviewer, and a committee
 * with four branches got eight mails with the same subject.
 *
 * One message per report, not one per reviewer listing every report of the cycle: each review
 * is a deadline of its own (workflows/deadline.ts), opening when its report arrives and due
 * `review.due` after that, so the reports of one cycle open and fall due on different days and
 * their reminders and escalations differ. A digest would have to wait for the slowest branch or
 * hold reports back, couple deadlines that are otherwise independent, and lose the one-message,
 * one-signed-link, one-dedupe-key record the ledger keeps of each. With the branch in the
 * subject, the leader reads each report's mail on the phone and answers it from its link.
 */
export function messageKind(kind: StepKind, role: 'report' | 'review'): MessageKind {
  if (role !== 'review') return kind;
  if (kind === 'notice') return 'review-due';
  if (kind === 'reminder' || kind === 'due') return 'review-reminder';
  if (kind === 'escalation') return 'review-escalation';
  return kind;
}

export interface BuiltMessage {
  message: DeadlineMessage;
  /** The unit had no usable address and its parent was told instead. */
  unreachable: boolean;
}

export function buildMessage(
  ctx: CampaignContext,
  org: Org,
  subject: MessageSubject,
  step: { step: string; kind: StepKind; notify: Audience[]; deadline?: string },
  role: 'report' | 'review',
  sentAt: string,
): BuiltMessage {
  const r = recipientsFor(org, subject.unitId, step.notify, role);
  const unit = org.units[subject.unitId];
  return {
    unreachable: r.unreachable,
    message: {
      kind: messageKind(step.kind, role),
      campaignId: ctx.campaignId,
      campaignTitle: ctx.title,
      timeZone: ctx.timeZone,
      locale: ctx.locale,
      unitId: subject.unitId,
      unitName: unit?.name ?? subject.unitId,
      obligationKey: subject.obligationKey,
      obligationTitle: subject.obligationTitle,
      cycleKey: subject.cycleKey,
      cycleLabel: subject.cycleLabel,
      phaseKey: subject.phaseKey,
      reviewedUnitName: subject.reviewedUnitName,
      step: step.step,
      dueAt: subject.dueAt,
      rectificationDeadline: step.deadline,
      sentAt,
      to: r.to,
      cc: r.cc,
      ...(r.unreachable ? { unitUnreachable: true as const } : {}),
    },
  };
}

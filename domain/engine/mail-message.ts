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
}

export function messageKind(kind: StepKind, role: 'report' | 'review'): MessageKind {
  if (role === 'review' && kind === 'notice') return 'review-due';
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
  const r = recipientsFor(org, subject.unitId, step.notify);
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
      step: step.step,
      dueAt: subject.dueAt,
      rectificationDeadline: step.deadline,
      sentAt,
      to: r.to,
      cc: r.cc,
    },
  };
}

/**
 * Builds the mail a deadline step sends: who is told (from the organisation slice the
 * deadline carries) and what they are told. Deterministic, so it runs inside workflows.
 */
import type { Audience } from '../plan-schema';
import type { Org } from '../org-schema';
import type { StepKind } from '../calendar-types';
import { recipientsFor, type Recipient, type UnitPhone } from '../recipients';
import type { DeadlineMessage, MessageKind } from '../../mail/types';
import type { LedgerEvent } from '../../ledger/types';
import { deadlineIdOfLedgerKeys, type CampaignContext } from './context';
import { REDELIVERY_DAYS } from './inputs';

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
  const kind = messageKind(step.kind, role);
  const phones = unitPhonesFor(org, subject.unitId, { kind, to: r.to, cc: r.cc });
  return {
    unreachable: r.unreachable,
    message: {
      kind,
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
      ...(phones.length > 0 ? { unitPhones: phones } : {}),
    },
  };
}

/** The kinds of a report's steps: a unit that never got one of these may miss its deadline. */
const REPORT_STEP_KINDS: ReadonlySet<MessageKind> = new Set(['notice', 'reminder', 'due', 'escalation']);
/** The roles by which a unit is its own addressee (domain/recipients.ts `unitRecipient`). */
const UNIT_ROLES: ReadonlySet<string> = new Set(['liaison', 'secretary', 'member']);

/**
 * A report step's mail to the unit alone whose one address took none of it for the whole
 * redelivery window (`unheard`: the addresses given up on, none delivered), to go to the unit's
 * parent in its stead, as a mail refused for good does (`rejectedMailFallback`): someone passes
 * the notice on before the deadline passes unheard. Undefined when the step told others too (the
 * parent in copy already knows), when the unit was not its addressee, or when nobody is above it.
 * Its step is the refusal's `<step>:to-parent`: one or the other, never both, goes for a step.
 */
export function parentInStead(
  message: DeadlineMessage,
  org: Org,
  unheard: readonly string[],
): DeadlineMessage | undefined {
  const [unit, ...others] = message.to;
  if (!unit || others.length > 0 || (message.cc?.length ?? 0) > 0 || message.unitUnreachable) return undefined;
  if (!REPORT_STEP_KINDS.has(message.kind) || !UNIT_ROLES.has(unit.role)) return undefined;
  if (!unheard.some((email) => email.toLowerCase() === unit.email.toLowerCase())) return undefined;
  const parent = recipientsFor(org, message.unitId, ['parent']).to;
  if (parent.length === 0) return undefined;
  const { cc: _cc, ...rest } = message;
  return { ...rest, step: `${message.step}:to-parent`, to: parent, undeliveredTo: unit.email };
}

/**
 * Why the ledger says a unit's step went to its parent (an `escalated` event's `reason`): its
 * mail refused for good (`rejectedMailFallback`), no usable address (`stepAftermath`), or its
 * mailbox took nothing for the redelivery window (`parentInSteadEvent`). Kept in English in the
 * ledger, as written since the first releases; the console says them in Chinese.
 */
export const TOLD_INSTEAD_REASONS = {
  rejected: 'mail rejected',
  unreachable: 'no usable address; the parent was told instead',
  deferred: `mail deferred for ${REDELIVERY_DAYS} days; the parent was told instead`,
} as const;

/**
 * The ledger's record that `instead` (from `parentInStead`) went to the unit's parent, under the
 * id a refused mail's fallback uses for the same step (`<deadline id>:escalated:<step>:to-parent`,
 * `rejectedMailFallback`), so that the deadline's history says why the committee heard of it.
 * Dated when the redelivery window of the step's mail closed, on the plan's clock as the step's
 * own records are. Like that fallback's, it does not make the deadline red: only an escalation
 * step does (ledger/store.ts `escalationRank`).
 */
export function parentInSteadEvent(instead: DeadlineMessage, org: Org): LedgerEvent | undefined {
  const { campaignId, obligationKey, cycleKey, unitId } = instead;
  if (obligationKey === undefined || cycleKey === undefined) return undefined;
  return {
    id: `${deadlineIdOfLedgerKeys(campaignId, obligationKey, cycleKey, unitId)}:escalated:${instead.step}`,
    campaignId,
    kind: 'escalated',
    at: new Date(Date.parse(instead.sentAt) + REDELIVERY_DAYS * 86_400_000).toISOString(),
    phaseKey: instead.phaseKey,
    obligationKey,
    cycleKey,
    unitId,
    committeeId: org.units[unitId]?.committeeId,
    dueAt: instead.dueAt,
    step: instead.step,
    reason: TOLD_INSTEAD_REASONS.deferred,
    ...(instead.undeliveredTo ? { data: { undeliveredTo: instead.undeliveredTo } } : {}),
  };
}

/** The kinds of mail that ask someone to chase the unit: they carry its telephones. */
const CHASING_KINDS: ReadonlySet<MessageKind> = new Set(['escalation', 'rectification']);

/**
 * The unit's secretary and liaison who have a telephone in `org`, for a mail of `kind` that asks
 * someone beyond the unit to chase it (an escalation or a rectification order that reaches its
 * committee or the office); none for any other mail, nor for one to the unit alone.
 */
export function unitPhonesFor(
  org: Org,
  unitId: string,
  mail: { kind: MessageKind; to: readonly Recipient[]; cc?: readonly Recipient[] },
): UnitPhone[] {
  const unit = org.units[unitId];
  if (!unit || !CHASING_KINDS.has(mail.kind)) return [];
  if ([...mail.to, ...(mail.cc ?? [])].every((r) => UNIT_ROLES.has(r.role))) return [];
  const posts = [
    ['secretary', unit.secretary],
    ['liaison', unit.liaison],
  ] as const;
  return posts.flatMap(([post, who]) => (who?.phone ? [{ post, name: who.name, phone: who.phone }] : []));
}

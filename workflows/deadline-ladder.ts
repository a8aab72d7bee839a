/**
 * The escalation ladder of one deadline: who mails each step (the deadline, or the starter that
 * opened it), to whom, and what the ledger records after it (an escalation, a rectification
 * order, a unit that could not be reached, a rejected mail passed on to the parent). Pure: the
 * workflow sends what `mailFor` says and records what `after` returns.
 */
import type { ScheduledStep } from '../domain/calendar-types';
import type { LedgerEvent } from '../ledger/types';
import type { DeadlineMessage } from '../mail/types';
import { buildMessage, type BuiltMessage } from '../domain/engine/mail-message';
import { deadlineEvent, messageSubjectOf, rejectedMailFallback } from '../domain/engine/deadline-opening';
import type { DeadlineInput, OpeningDone } from '../domain/engine/inputs';

/** Who mails a step, and what is known of it before the deadline goes on. */
export type StepMail =
  /** The starter mails it after starting the deadline and follows a rejection up itself (since v0.8). */
  | { by: 'starter' }
  /** A v0.6 or v0.7 starter mailed it before the start; the deadline follows a rejection up (`LEGACY_NOTICE_OUTCOME`). */
  | { by: 'starter-before-start'; built: BuiltMessage; sentAt: string; rejected: boolean }
  /** The deadline mails it now, if anyone can be told at all. */
  | { by: 'deadline'; built: BuiltMessage; sentAt: string };

export class DeadlineLadder {
  constructor(private readonly input: DeadlineInput) {}

  /**
   * How `step` is mailed at `now`. `opening` is the starter's word on the notice it took on
   * (only for that notice): from it the notice's `sentAt` is the opening instant.
   */
  mailFor(step: ScheduledStep, dueAt: string, now: string, opening?: OpeningDone): StepMail {
    const status = opening?.notice?.status;
    if (status === 'after-start') return { by: 'starter' };
    const sentAt = opening?.at ?? now;
    const built = buildMessage(
      this.input.ctx,
      this.input.org,
      messageSubjectOf(this.input, dueAt),
      step,
      this.input.role,
      sentAt,
    );
    if (status !== undefined) return { by: 'starter-before-start', built, sentAt, rejected: status === 'failed' };
    return { by: 'deadline', built, sentAt };
  }

  /**
   * What follows a step's mail, at `at`: the ledger's escalation or rectification order, and
   * either the escalation of a unit that could not be reached (its parent was told instead) or,
   * when the mail server rejected the unit's mail, the same mail to the parent.
   */
  after(
    step: ScheduledStep,
    dueAt: string,
    mail: { built: BuiltMessage; sentAt: string },
    rejected: boolean,
    at: string,
  ): { fallback?: DeadlineMessage; events: LedgerEvent[] } {
    const event = (suffix: string, kind: LedgerEvent['kind'], extra: Partial<LedgerEvent>): LedgerEvent =>
      deadlineEvent(this.input, dueAt, at, suffix, kind, extra);
    const events: LedgerEvent[] = [];
    if (step.kind === 'escalation') events.push(event(`escalated:${step.step}`, 'escalated', { step: step.step }));
    if (step.kind === 'rectification') {
      events.push(
        event('rectification', 'rectification-ordered', { step: step.step, data: { deadline: step.deadline } }),
      );
    }
    if (mail.built.unreachable) {
      events.push(
        event(`escalated:${step.step}:unreachable`, 'escalated', {
          step: `${step.step}:unreachable`,
          reason: 'no usable address; the parent was told instead',
        }),
      );
      return { events };
    }
    const fallback = rejected ? rejectedMailFallback(this.input, dueAt, step, mail.sentAt, at) : undefined;
    if (fallback) events.push(fallback.event);
    return { fallback: fallback?.message, events };
  }
}

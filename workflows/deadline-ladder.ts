/**
 * The escalation ladder of one deadline: who mails each step (the deadline, or the starter that
 * opened it) and to whom. Pure: the workflow sends what `mailFor` says and records what
 * `stepAftermath` (domain/engine/deadline-opening.ts) says follows it, as a batch mailing a
 * shared step does.
 */
import type { ScheduledStep } from '../domain/calendar-types';
import { buildMessage, type BuiltMessage } from '../domain/engine/mail-message';
import { messageSubjectOf } from '../domain/engine/deadline-opening';
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
}

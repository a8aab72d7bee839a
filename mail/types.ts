/**
 * What the engine asks the mail module to send, and what it gets back.
 */
import type { Recipient, UnitPhone } from '../domain/recipients';
import type { DigestLine } from '../domain/digest';
import type { CampaignStop } from '../domain/engine/requests';

export type MessageKind =
  | 'notice'
  | 'reminder'
  | 'due'
  | 'escalation'
  | 'rectification'
  | 'phase-started'
  | 'review-due'
  | 'review-reminder'
  | 'review-escalation'
  | 'receipt'
  /** The office corrected a report received (ledger/corrections.ts): to the unit, with who and why. */
  | 'correction'
  /** A unit asks for a correction of its report: to the office, with who and why. */
  | 'correction-request'
  /** The office declines a unit's request for a correction: to the unit, with who and why. */
  | 'correction-declined'
  /** A leader's review comment corrected (by the reviewer or the office): to the reviewer, with who and why. */
  | 'comment-correction'
  /** A unit asks for a later due instant (ledger/extension-requests.ts): to the office, with who, until when and why. */
  | 'extension-request'
  /** The office grants a unit's request for more time: to the unit, with the new due instant. */
  | 'extension-granted'
  /** The office declines a unit's request for more time: to the unit, with who and why. */
  | 'extension-declined'
  /** The weekly digest (domain/digest.ts): to a committee its own and its branches' deadlines overdue and due; to the office everyone's. */
  | 'digest'
  /** The office stopped the campaign (since v0.26): to every unit, with who, when and why, and that nothing more is asked. */
  | 'campaign-stopped';

/** One deadline in a digest, named as the mail names it. */
export interface DigestMailLine extends DigestLine {
  unitName: string;
  obligationTitle: string;
  cycleLabel: string;
}

/** A digest's contents (`digestsOf`), each line named. */
export interface DigestMail {
  /** The office's digest (every unit), not a committee's. */
  office: boolean;
  overdue: DigestMailLine[];
  dueSoon: DigestMailLine[];
  overdueCount: number;
  dueSoonCount: number;
}

// Who is mailed is decided from the organisation (domain/recipients.ts); a message carries it.
export type { Recipient };

export interface DeadlineMessage {
  kind: MessageKind;
  campaignId: string;
  campaignTitle: string;
  timeZone: string;
  locale: 'zh' | 'en';
  /** The unit the message is about. */
  unitId: string;
  unitName: string;
  obligationKey?: string;
  obligationTitle?: string;
  /** e.g. 2010-Q3 and 2010年第三季度. */
  cycleKey?: string;
  cycleLabel?: string;
  phaseKey?: string;
  phaseName?: string;
  /** For a phase started early by hand: who started it (the advance's `by`). */
  phaseStartedBy?: string;
  /** For a leader review: the unit whose report is reviewed. */
  reviewedUnitName?: string;
  /** For a receipt: its number and how it was received (on time, or late by how long). */
  receiptNumber?: string;
  receivedAt?: string;
  lateMs?: number;
  /**
   * For a correction: who in the office corrected the report, and why (for a request: who asks,
   * and why). The same for a request for more time and the office's answer to it.
   */
  correctedBy?: string;
  correctionReason?: string;
  /** For a request for more time: the due instant the unit asks for, and the request's number. */
  requestedUntil?: string;
  requestNumber?: number;
  /** For a campaign's stop: when, by whom and why. */
  stop?: CampaignStop;
  /** For a weekly digest: what the committee (or the office) is told of. */
  digest?: DigestMail;
  /** notice, reminder-1, due, escalation-2, rectification, phase-started-<phase>, … */
  step: string;
  dueAt?: string;
  rectificationDeadline?: string;
  /** The plan instant the engine scheduled it for: days left or late count from here. */
  sentAt: string;
  to: Recipient[];
  cc?: Recipient[];
  /**
   * Built while the unit had no usable address, so `to` is whoever was told instead (its parent).
   * If the campaign's current contacts give the unit one, the message goes to the unit after all,
   * the others in copy (mail/current-contacts.ts).
   */
  unitUnreachable?: true;
  /**
   * Sent to the unit's parent in its stead because the unit's own address (this one) took none
   * of the message for the whole redelivery window (a mailbox full for days): the parent is
   * asked to pass it on (activities' `abandonRedelivery`).
   */
  undeliveredTo?: string;
  /**
   * For an escalation or a rectification order: the unit's secretary and liaison who have a
   * telephone in the roster, so that whoever is told to chase the unit can ring it.
   */
  unitPhones?: UnitPhone[];
}

export interface SendResult {
  status: 'sent' | 'already-sent' | 'failed';
  dedupeKey: string;
  messageId: string;
  accepted: string[];
  rejected: string[];
  /**
   * Refused by the server for now (4xx): to be asked again (`Mailer.redeliver`, from the
   * worker's redelivery workflow, workflows/redelivery.ts). When every recipient was refused and
   * some only for now, the message is `sent` to nobody yet (`accepted` empty): the step that sent
   * it goes on, as it does when the others received it.
   */
  deferred?: string[];
  error?: string;
  /** The message was built for a unit without an address (`unitUnreachable`), and reached the unit itself. */
  reachedUnit?: true;
}

export interface SendOptions {
  /**
   * Aborts the send where it stands (the SMTP connection is closed) and rejects with an
   * `AbortError`: an activity hands in its cancellation signal, so that a stopping worker past
   * its grace gives the message back for another worker to retry instead of holding on to it.
   */
  signal?: AbortSignal;
}

export interface Mailer {
  send(msg: DeadlineMessage, opts?: SendOptions): Promise<SendResult>;
  /**
   * The message `msg` (as `send` sent it: its headers and Message-ID) again, to `recipients`
   * alone, each recorded once in the ledger as delivered or refused for good. Rejects with a
   * `MailTransientError` while any is still deferred, after recording the others.
   */
  redeliver(
    msg: DeadlineMessage,
    recipients: readonly string[],
    opts?: SendOptions,
  ): Promise<{ accepted: string[]; rejected: string[] }>;
  /** Records `recipients` not redelivered as refused (`error`), for the roster's list; returns those recorded now. */
  abandon(msg: DeadlineMessage, recipients: readonly string[], error: string): Promise<string[]>;
  close(): Promise<void>;
}

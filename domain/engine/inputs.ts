/**
 * What each workflow of the engine takes and returns, and the names the activities start
 * batches and deadlines by. JSON-plain: these travel in Temporal's payloads and histories, so a
 * field once written stays readable by every later release (see workflows/patches.ts).
 */
import type { Plan, Obligation } from '../plan-schema';
import type { Org } from '../org-schema';
import type { ClockSpec } from '../clock';
import type { CycleSchedule, PhaseWindow, ScheduledStep } from '../calendar-types';
import type { DeadlineOutcome, DeadlineState } from '../deadline-state';
import type { DeadlineMessage, SendResult } from '../../mail/types';
import type { CampaignContext, EngineOptions } from './context';
import type { BatchReport, CampaignStop, EventDeadline, PhaseChange, Receipt, SubmitRequest } from './requests';
import type { OrgRef } from './org-ref';

export type { OrgRef };

// ---- campaign ----

/** What a campaign run hands to the next one. JSON-plain. */
export interface CampaignCarried {
  phaseStarted: Record<string, string>;
  phaseEnded: Record<string, string>;
  changes: PhaseChange[];
  announced: string[];
  /** `<obligation>/<cycle>` of every cycle opened. */
  launched: string[];
  batches: Record<string, BatchReport>;
  /** Since v0.14: the deadlines events opened (the plan's openedBy), by deadline id. */
  eventOpened?: Record<string, EventDeadline>;
  unitsRegistered: boolean;
  /**
   * Since v0.22: the re-imported organisation version the campaign follows (`followOrg`), which
   * each run after it starts from instead of the input's `orgRef` (the version it started on).
   */
  orgFollowed?: OrgRef;
  /**
   * Since v0.23: by `<obligation>/<cycle>`, the units the office had join a cycle open already
   * (`joinOpenCycles`), marked before their batch starts: asked again at once, they are not
   * opened twice, though the ledger may not hold their deadlines yet.
   */
  joined?: Record<string, string[]>;
  /**
   * Since v0.26: the office stopped the campaign (`stopCampaign`); `told` once its batches were
   * told to waive their deadlines and its units mailed, so that a later run does neither again.
   */
  stopped?: CampaignStop & { told?: boolean };
  runs: number;
}

export interface CampaignInput {
  plan: Plan;
  /** The organisation itself: campaigns started before v0.13, and clients without a ledger. */
  org?: Org;
  /** Since v0.13: the organisation by reference; the workflows read what they need through activities. */
  orgRef?: OrgRef;
  clock: ClockSpec;
  options: EngineOptions;
  carried?: CampaignCarried;
}

export interface CampaignResult {
  campaignId: string;
  phases: PhaseWindow[];
  batches: number;
  runs: number;
  /** Since v0.26: the office stopped it before its plan ended. */
  stopped?: CampaignStop;
}

// ---- batch ----

export interface BatchInput {
  ctx: CampaignContext;
  batchId: string;
  obligation: Obligation;
  cycle: CycleSchedule;
  unitIds: string[];
  /** The units, their parents and the office (batches of campaigns with the organisation in their input). */
  org?: Org;
  /** Since v0.13: the organisation the batch's deadlines are sliced from, read by the starter. */
  orgRef?: OrgRef;
}

/**
 * What a campaign that holds its organisation by reference asks `startBatch` for (since v0.13):
 * the activity reads the organisation, takes the `index`th `size` of the obligation's
 * responsible units and starts the batch with their ids.
 */
export interface BatchByReference extends Omit<BatchInput, 'unitIds' | 'org'> {
  orgRef: OrgRef;
  index: number;
  size: number;
}

export interface BatchResult {
  batchId: string;
  outcomes: Record<string, DeadlineOutcome | 'failed'>;
}

// ---- deadline ----

export interface CycleInfo {
  key: string;
  label: string;
  labelEn: string;
  phaseKey: string;
}

/**
 * What the starter did before starting the deadline: it recorded the opening in the ledger and,
 * when the notice was already due, took the notice on (since v0.6). One activity for a batch's
 * openings instead of two per deadline: the fan-out's cost on the server.
 */
export interface OpeningDone {
  /** The plan instant of the opening: the notice's `sentAt`. */
  at: string;
  /**
   * The notice step the starter took on; absent when the deadline sends it itself. Since v0.8
   * the starter starts every deadline of its batch first and mails the notices after, following
   * a rejection up itself (`'after-start'`): the deadlines exist as soon as the server has them,
   * however slow or down the mail server is. Starters of v0.6 and v0.7 mailed the notice before
   * the start and wrote how it went (a `SendResult` status): the deadline follows a rejection of
   * those up itself (workflows/patches.ts, `LEGACY_NOTICE_OUTCOME`).
   */
  notice?: { step: string; status: SendResult['status'] | 'after-start' };
  /**
   * The batch mails the shared steps (`isSharedStep`: the notice, reminders, the due-day notice) of the
   * deadline's original due instant for it (since v0.17); the deadline mails the rest, and every
   * step once an extension gives it a due instant of its own.
   */
  sharedSteps?: true;
  /**
   * Its wake for the colour (the first shared step that changes it) only tells Temporal's
   * visibility, so a deadline of a campaign that keeps no search attributes, as a rehearsal runs,
   * does not wake for it (since v0.18): a workflow task fewer for most deadlines. Written by every
   * starter since, with `sharedSteps`; a deadline started before wakes either way, as its history has.
   */
  wakesOnlyForVisibility?: true;
  /**
   * The write that closes it (an answer with its closing, or the closing unanswered) is a local
   * activity inside the workflow task that closes it, which completes the deadline (since v0.18):
   * an ordinary activity cost a workflow task more, and the server an activity task. Written by
   * every starter since, with `sharedSteps`; a deadline started before writes as its history has.
   */
  closesInOneTask?: true;
  /**
   * The colour it was started in, when not green: a deadline opened past its first reminder (a
   * campaign started late, or a rehearsal from the middle of its plan) is started blue, and one
   * opened past its due instant yellow, in Temporal's visibility and in its batch's counts alike
   * (since v0.19, STARTED_IN_COLOUR). The deadline then tells nobody that colour again. Absent:
   * green, as every starter before started every deadline.
   */
  startedAs?: DeadlineState;
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
  /** Set by a starter that recorded the opening and perhaps took the notice on (since v0.6). */
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

/** A batch asks its starter to start its report deadlines, and (since v0.6) to open them. */
export interface StartDeadlinesRequest {
  batch: BatchInput;
  /** The plan instant the batch opens its deadlines at. */
  openedAt: string;
  /** The batch mails its deadlines' shared steps (since v0.17): the deadlines are started knowing it. */
  sharedSteps?: true;
  /** The colour the batch counts them in as they start, when not green (since v0.19): the starter starts them in it. */
  startedAs?: DeadlineState;
}

/** A shared step that a batch mails for the deadlines it still counts open (since v0.17). */
export interface SharedStepRequest {
  batch: BatchInput;
  step: ScheduledStep;
  /** The plan instant the batch reached the step at: the mails' `sentAt`. */
  at: string;
  /** When the batch opened its deadlines: a notice due then was the starter's (`dueNotice`). */
  openedAt: string;
  /** The units whose deadlines the batch counts open; the activity skips any the ledger says answered or extended. */
  unitIds: string[];
}

/**
 * What a batch of v0.5 handed the starter: every deadline's input, to be started and left to
 * open itself. Only a v0.5 batch still running can send it (workflows/patches.ts,
 * `OPENING_BY_STARTER`).
 */
export type LegacyStartDeadlinesRequest = DeadlineInput[];

// ---- started by name ----

/** The workflow types the activities start by name, and what each takes and returns. */
export const WORKFLOW_TYPES = {
  batch: 'batchWorkflow',
  deadline: 'deadlineWorkflow',
  redelivery: 'redeliveryWorkflow',
  digest: 'digestWorkflow',
} as const;
export type BatchWorkflow = (input: BatchInput) => Promise<BatchResult>;
export type DeadlineWorkflow = (input: DeadlineInput) => Promise<DeadlineResult>;

/**
 * A message the mail server deferred (4xx) for some recipients or for all, to be asked again for
 * those (workflows/redelivery.ts): the message as built, before the campaign's current contacts
 * address it, as every send is given it.
 */
export interface RedeliveryInput {
  message: DeadlineMessage;
  recipients: string[];
}
/** Who was redelivered, who refused for good, and who was given up on after the window. */
export interface RedeliveryResult {
  delivered: string[];
  refused: string[];
  abandoned: string[];
}
export type RedeliveryWorkflow = (input: RedeliveryInput) => Promise<RedeliveryResult>;
/**
 * A campaign's weekly digest (workflows/digest.ts, domain/digest.ts): what it needs to name the
 * deadlines, and the campaign's clock, on which "08:30 on the first working day of the week" is
 * plan time. Started beside the campaign when the office asks for it (client/digest.ts).
 */
export interface DigestInput {
  campaignId: string;
  campaignTitle: string;
  timeZone: string;
  locale: 'zh' | 'en';
  clock: ClockSpec;
  /** Each obligation's title by its key, in the campaign's language. */
  titles: Record<string, string>;
}
/** One week's digests, mailed at the plan instant `at` (the week's key names their mail). */
export interface DigestRequest extends Omit<DigestInput, 'clock'> {
  at: string;
  week: string;
}
export interface DigestResult {
  /** Whether the campaign still runs: once it does not, the digest ends. */
  campaignRunning: boolean;
  /** The digests mailed now (a retry counts none it had mailed before). */
  sent: number;
}
export type DigestWorkflow = (input: DigestInput) => Promise<void>;

/** How long a deferred recipient is asked again before the address is given up on. */
export const REDELIVERY_DAYS = 3;
export const REDELIVERY_WINDOW = `${REDELIVERY_DAYS} days` as const;

/** The signals the activities send by name: a deadline's change of colour to its batch (since v0.16), a campaign's stop to its batches (since v0.26). */
export const SIGNAL_NAMES = { deadlineChanged: 'deadlineChanged', stopBatch: 'stopBatch' } as const;

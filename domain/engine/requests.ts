/**
 * What the engine's signals, queries and updates carry (workflows/messages.ts defines the
 * messages themselves). JSON-plain; pure types, shared by workflows, activities and clients.
 */
import type { DeadlineCounts, DeadlineOutcome, DeadlineState } from '../deadline-state';
import type { PhaseWindow, ScheduledStep } from '../calendar-types';
import type { OrgRef } from './org-ref';
import type { Grade, GradingStep } from '../plan-schema';
import type { ClockSpec } from '../clock';

// ---- campaign ----

export interface AdvancePhaseRequest {
  /** The phase to start now; the next one when omitted. */
  toPhase?: string;
  by: string;
  reason: string;
  /**
   * Only a rehearsal's: the plan instant it means (domain/clock.ts `requestInstant`). Ignored on
   * a live campaign's clock.
   */
  at?: string;
}
export interface EndPhaseRequest {
  phaseKey: string;
  by: string;
  reason: string;
  /**
   * Only a rehearsal's: the plan instant it means (domain/clock.ts `requestInstant`). Ignored on
   * a live campaign's clock.
   */
  at?: string;
}
/**
 * The office stops a campaign before its plan ends it (since v0.26): no phase or cycle opens any
 * more, every deadline still open is waived with the reason, every unit is told, and the campaign
 * completes once its batches have.
 */
export interface StopCampaignRequest {
  by: string;
  reason: string;
  /** Only a rehearsal's: the plan instant it means, as for a phase change. */
  at?: string;
}
/** A campaign's stop: when, by whom and why (the campaign's state, its status, the batches' signal). */
export interface CampaignStop {
  at: string;
  by: string;
  reason: string;
}
export interface PhaseChange {
  phaseKey: string;
  action: 'started' | 'ended';
  at: string;
  by: string;
  reason: string;
}

/**
 * Something that happened to one unit and may open an obligation for it (the plan's `openedBy`):
 * a grade recorded at one step of the grading, or a new branch secretary appointed. The
 * campaign opens what the plan declares for it, once: the same event again opens nothing more.
 */
export type CampaignEvent =
  | {
      event: 'graded';
      unitId: string;
      /** The grading year (2012): one rectification per branch and year, whatever its grade. */
      year: number;
      step: GradingStep;
      grade: Grade;
      actor: string;
      /** Only a rehearsal's: the plan instant it means (domain/clock.ts `requestInstant`). */
      at?: string;
    }
  | {
      event: 'secretary-appointed';
      unitId: string;
      /** The new secretary's name. */
      secretary: string;
      actor: string;
      /** Only a rehearsal's: the plan instant it means (domain/clock.ts `requestInstant`). */
      at?: string;
    };

/** One deadline an event opened (or had opened before). */
export interface EventDeadline {
  obligationKey: string;
  cycleKey: string;
  unitId: string;
  deadlineId: string;
  opensAt: string;
  dueAt: string;
  dueOnHoliday: boolean;
}

/** What an event did: the deadlines it opened now, those it had opened before, and why others did not open. */
export interface EventOpening {
  opened: EventDeadline[];
  alreadyOpen: EventDeadline[];
  notOpened: { obligationKey: string; reason: string }[];
}

/**
 * The organisation version a campaign follows from now on (since v0.22): a re-import's, whose
 * units the cycles opened after it are for (a branch new in it included, one it lacks left out).
 */
export interface FollowOrgRequest {
  orgRef: OrgRef;
  /** Who imported it (the ledger's `org-reimported` says so too). */
  by: string;
}

/** What following a version changed: nothing when the campaign follows it already. */
export interface OrgFollowed {
  followed: boolean;
  /** The version the campaign follows now, and its units. */
  orgRef: OrgRef;
  units: number;
  /** The first cycle of each obligation not opened yet: the first the version's units are in. */
  nextCycles: { obligationKey: string; cycleKey: string; cycleLabel: string; cycleLabelEn: string; opensAt: string }[];
}

/**
 * The office has the units of the organisation the campaign follows take part in the cycles open
 * now (since v0.23): a branch founded in the middle of a quarter reports for it too. A cycle is
 * open while it has been opened and its due instant is still to come.
 */
export interface JoinOpenCyclesRequest {
  /** Who asked (the office's person): the ledger's `cycle-joined` says so. */
  by: string;
  /**
   * The office's choice (since v0.24): only these cycles are joined, each only by the units it
   * names (those of them still without a deadline there). Absent, every unit without a deadline
   * joins every cycle open now, as in v0.23.
   */
  only?: JoinChoice[];
}

/** One cycle open now and the units the office has join it. */
export interface JoinChoice {
  obligationKey: string;
  cycleKey: string;
  unitIds: string[];
}

/** A cycle open now: opened, and due later than now (the campaign's `openCycles` query). */
export interface OpenCycle {
  obligationKey: string;
  cycleKey: string;
  cycleLabel: string;
  cycleLabelEn: string;
  dueAt: string;
  /**
   * Opened so recently that its deadlines are still being started (the `openCycles` query, since
   * v0.24): who lacks one cannot be told yet, and nobody joins it until they have.
   */
  stillOpening?: true;
}

/** One cycle open now, and the units that joined it with this request. */
export interface JoinedCycle extends OpenCycle {
  /** Units of the version followed that had no deadline in the cycle and have one now; often none. */
  joined: string[];
  /**
   * The cycle opened so recently that its deadlines are still being started, and those who lack
   * one cannot be told yet: nothing joined it; asked again a minute later, it is joined.
   */
  stillOpening?: true;
  /** The office chose other cycles only (`only`): nobody was asked to join this one. */
  notChosen?: true;
}

export interface OpenCyclesJoined {
  /** The version followed, whose units were compared with each cycle's deadlines. */
  orgRef: OrgRef;
  /** Every cycle open now, in the plan's order of obligations. */
  cycles: JoinedCycle[];
}

export interface CampaignStatus {
  campaignId: string;
  title: string;
  /** Plan time now. */
  now: string;
  currentPhase?: string;
  phases: PhaseWindow[];
  /** The next instant the campaign itself acts (a phase or a cycle opening), plan time. */
  nextAt?: string;
  counts: DeadlineCounts;
  open: number;
  overdue: number;
  cyclesLaunched: number;
  batchesDone: number;
  batchesLaunched: number;
  completed: boolean;
  runs: number;
  /** Since v0.22: the stored organisation version it runs on now, by reference (the latest re-import it follows). */
  orgRef?: OrgRef;
  /** Since v0.26: the office stopped it; it completes once its open deadlines are waived. */
  stopped?: CampaignStop;
}

export interface BatchReport {
  batchId: string;
  counts: DeadlineCounts;
  done: boolean;
}

// ---- batch ----

export interface DeadlineChange {
  deadlineId: string;
  state: DeadlineState;
  /** With the closed state (since v0.5): how it ended. */
  outcome?: DeadlineOutcome;
}

/** A change of colour and the batch to tell it to, for an activity that tells it (since v0.16). */
export interface DeadlineReport {
  batchWorkflowId: string;
  change: DeadlineChange;
}

// ---- deadline ----

export interface SubmitRequest {
  by: string;
  text: string;
  attachments?: string[];
  /**
   * Only a rehearsal's: the plan instant it means (domain/clock.ts `requestInstant`). Ignored on
   * a live campaign's clock.
   */
  at?: string;
}
/**
 * Whether `b` is the submission `a` again (a double click, a retried POST): the same person, text
 * and files, in any order. It then gets the same receipt; anything else after a submission is refused.
 */
export function sameSubmission(a: SubmitRequest, b: SubmitRequest): boolean {
  const files = (r: SubmitRequest): string => [...(r.attachments ?? [])].sort().join('\n');
  return a.by === b.by && a.text === b.text && files(a) === files(b);
}

export interface Receipt {
  deadlineId: string;
  unitId: string;
  receivedAt: string;
  dueAt: string;
  onTime: boolean;
  lateMs: number;
  by: string;
}
export interface ExtendRequest {
  newDueAt: string;
  by: string;
  reason: string;
}
export interface WaiveRequest {
  by: string;
  reason: string;
}
export interface DeadlineStatus {
  deadlineId: string;
  campaignId: string;
  obligationKey: string;
  cycleKey: string;
  unitId: string;
  role: 'report' | 'review';
  state: DeadlineState;
  outcome?: DeadlineOutcome;
  opensAt: string;
  dueAt: string;
  dueOnHoliday: boolean;
  nextStep?: ScheduledStep;
  stepsDone: string[];
  receipt?: Receipt;
  extensions: number;
  /**
   * Since v0.17, for a deadline whose batch mails its shared steps (`isSharedStep`): those its
   * own clock has not passed (it does not wake for them, and a query answers with the clock of
   * its last wake), with that clock and its own next step, so that a client whose clock is
   * ahead counts the ones passed since (`statusAt`). CampaignClient does, and drops this.
   */
  byBatch?: { clock: ClockSpec; steps: ScheduledStep[]; next?: ScheduledStep };
}

/** What the campaign knows of its plan and organisation, for clients to check requests. */
export interface CampaignDirectory {
  campaignId: string;
  timeZone: string;
  /** `source`: the seed sentence the obligation comes from (since the web service; absent before). */
  obligations: { key: string; title: string; cadence: string; hasReview: boolean; source?: string }[];
  /** Empty when the campaign holds its organisation by reference: the client reads the units by `orgRef`. */
  units: { id: string; name: string; level: string; committeeId?: string }[];
  /**
   * Since v0.13: the stored organisation the campaign runs on (ledger/org-versions.ts); since
   * v0.22 the latest re-import's once the campaign follows it (`followOrg`).
   */
  orgRef?: OrgRef;
  /** `<obligation>/<cycle>` of every cycle opened so far. */
  launched: string[];
}

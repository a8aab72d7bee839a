import type { Org } from '../domain/org-schema';
import type { OrgRef } from '../domain/engine/org-ref';

/**
 * The ledger (专项台帐): one row per fact, keyed by a deterministic id so that recording the
 * same fact twice (an activity retried after a crash) leaves one row. It outlives every
 * workflow; the audit reads only from here.
 */
import type { GradeStore } from './grades';

export const EVENT_KINDS = [
  'deadline-opened',
  'message-intent',
  'message-sent',
  'message-failed',
  'submission',
  /** The office's correction of a report received (ledger/corrections.ts): the whole report as corrected. */
  'submission-corrected',
  /** A unit asks the office, through its link, to correct its report (the proposed report and why). */
  'correction-requested',
  /** The office declines a unit's request for a correction, saying why. */
  'correction-declined',
  'extension',
  /** A unit asks the office, through its link, for a later due instant (data: the instant asked, the request's number). */
  'extension-requested',
  /** The office grants a unit's request for more time (data: the request's number, the new due instant). */
  'extension-granted',
  /** The office declines a unit's request for more time, saying why. */
  'extension-declined',
  'waiver',
  'escalated',
  'rectification-ordered',
  'review-comment',
  /**
   * A leader's review comment corrected, by the reviewer through the review link or by the office
   * (ledger/corrections.ts): the whole comment as corrected, who and why. The original stays.
   */
  'review-comment-corrected',
  'evaluation',
  'grade',
  'phase-started',
  'phase-advanced',
  'deadline-closed',
  /** A new branch secretary (data: the name), which may open her training (the plan's openedBy). */
  'secretary-appointed',
  /**
   * The organisation file re-imported for a running campaign (data: the stored version's hash and
   * number): from then on every mail goes to the contacts it names (ledger/org-versions.ts).
   */
  'org-reimported',
  /** Who started the campaign, from where and how (data: via, runId, recordedAt; ledger/campaign-starts.ts). */
  'campaign-started',
  /**
   * Units the office had take part in a cycle open already (since v0.23; data: units, the
   * organisation version's hash and number), such as a branch founded in the middle of a quarter.
   */
  'cycle-joined',
  /** The office stopped the campaign before its plan ended it (actor, reason): its open deadlines are waived. */
  'campaign-stopped',
  /**
   * Someone of the office or a committee telephoned a unit about a deadline it owes (the console's
   * 电话催办; data: outcome reached or unreached, the day it promised, a note), so the ledger knows
   * what was done beyond the mail.
   */
  'phoned',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export interface LedgerEvent {
  /** Deterministic: the same fact always gets the same id. */
  id: string;
  campaignId: string;
  kind: EventKind;
  /** The instant the fact happened (ISO-8601, UTC). */
  at: string;
  phaseKey?: string;
  obligationKey?: string;
  cycleKey?: string;
  unitId?: string;
  /** The committee of the unit, denormalised so the audit can group without a join. */
  committeeId?: string;
  /** The deadline step a message or escalation belongs to (notice, reminder-1, escalation-2, …). */
  step?: string;
  /** Who did it (a person's name or email, or `system`). */
  actor?: string;
  reason?: string;
  /** The due instant in force when the fact happened (after extensions). */
  dueAt?: string;
  /** For a submission: milliseconds late (0 when on time). */
  lateMs?: number;
  messageId?: string;
  recipients?: string[];
  error?: string;
  /** Anything else: submission text and attachment refs, grade, evaluation result, new due instant. */
  data?: Record<string, unknown>;
}

/** A unit as the ledger keeps it, so the audit can name units after the org file has changed. */
export interface LedgerUnit {
  campaignId: string;
  unitId: string;
  name: string;
  level: string;
  kind?: string;
  parentId?: string;
  committeeId?: string;
}

export interface EventFilter {
  campaignId: string;
  kinds?: EventKind[];
  unitId?: string;
  obligationKey?: string;
  cycleKey?: string;
  committeeId?: string;
  phaseKey?: string;
  /** Only events with an error: messages refused, wholly or in part. */
  withError?: boolean;
}

/** Which deadlines an audit query reads (the definitions are in audit.ts). */
export interface AuditFilter {
  campaignId: string;
  phaseKey?: string;
  obligationKey?: string;
  cycleKey?: string;
  committeeId?: string;
  /**
   * Only the deadlines owed by these units: a person's scope (a branch secretary's own branch, a
   * committee secretary's committee and everything under it). A review deadline is owed by its
   * reviewer, so it is in scope when the reviewer is. An empty list selects nothing.
   */
  unitIds?: readonly string[];
  /** Deadlines due before this instant and not answered are missing. Default: now. */
  asOf?: string;
  /** Only deadlines due at or after this instant (a period of the ranking: a quarter, a year). */
  dueFrom?: string;
  /** Only deadlines due before this instant. */
  dueBefore?: string;
}

/** One unit's record over the deadlines a filter selects. */
export interface UnitLag {
  unitId: string;
  unitName: string;
  level: string;
  committeeId: string | null;
  deadlines: number;
  late: number;
  missing: number;
  totalLateMs: number;
  longestLateMs: number;
  /** 0 none, N escalation-N, 100 a rectification order. */
  highestEscalation: number;
  openRectifications: number;
}

/** One deadline's summary row, as the audit reads it. */
export interface DeadlineRow {
  obligationKey: string;
  cycleKey: string;
  unitId: string;
  committeeId: string | null;
  phaseKey: string | null;
  dueAt: string | null;
  submittedAt: string | null;
  lateMs: number | null;
  waivedAt: string | null;
  extensions: number;
  highestEscalation: number;
  rectificationDeadline: string | null;
  closedOutcome: string | null;
}

/** A rectification order the unit has not yet answered. */
export interface OpenRectification {
  unitId: string;
  unitName: string;
  obligationKey: string;
  cycleKey: string;
  dueAt: string | null;
  rectificationDeadline: string;
  overdue: boolean;
}

/**
 * One leader review (领导点评) given late or not at all: the reviewer's deadline, with the report
 * it concerns (a review deadline's cycle is `<cycle>:<reviewed unit>`, split here).
 */
export interface LateReview {
  reviewerId: string;
  reviewerName: string;
  /** The obligation whose report was reviewed (without `.review`). */
  obligationKey: string;
  /** The reviewed report's cycle. */
  cycleKey: string;
  reviewedUnitId: string;
  reviewedUnitName: string;
  dueAt: string | null;
  commentedAt: string | null;
  /** Milliseconds late (0 when missing). */
  lateMs: number;
  /** Not given, not waived, and due before asOf. */
  missing: boolean;
}

export interface UnitLagOptions {
  /** Only units late or missing at least once. */
  onlyLagging?: boolean;
  /** Only units of this level (branch, committee, …). */
  level?: string;
  /**
   * Whose lateness: as submitter (their own reports, the default) or as reviewer (the leader
   * reviews `<obligation>.review` they owe on others' reports). Never both in one figure.
   */
  role?: 'submitter' | 'reviewer';
}

/** A list read in part: its first `limit` rows, in the list's own order. */
export interface ListOptions {
  limit?: number;
}

/** A version of a campaign's organisation, as the ledger lists them. */
export interface OrgVersionRow extends OrgRef {
  campaignId: string;
  units: number;
  storedAt: string;
}

/** Where organisations are stored by reference (ledger/org-versions.ts). */
export interface OrgStore {
  /** Stores the organisation as a version of the campaign's (the same content keeps its version). */
  storeOrg(campaignId: string, org: Org): Promise<OrgRef>;
  /** The organisation stored under a content hash, or undefined. */
  orgVersion(hash: string): Promise<Org | undefined>;
}

/** Whether an address was mailed after an instant (`firstDeliveriesAfter`). */
export interface DeliveryAsk {
  email: string;
  after: string;
  /**
   * The units whose messages can carry the address (its holders and the units below them), read
   * along their own events; without it, every message of the campaign.
   */
  unitIds?: readonly string[];
}

export interface LedgerStore extends OrgStore {
  /** A campaign's versions of its organisation (its start's, its re-imports'), the first first. */
  orgVersions(campaignId: string): Promise<OrgVersionRow[]>;
  /** When content was last stored as a version of any campaign's organisation (a start, a re-import). */
  orgStoredAt(hash: string): Promise<string | undefined>;
  /** Keeps an organisation's content for a later `orgVersion(hash)` without making it a version (a preview's). */
  stageOrg(org: Org): Promise<string>;
  /** Removes the rosters staged before `before` that no campaign took (`dryRun`: counts them); how many. */
  sweepStagedOrgs(before: string, dryRun?: boolean): Promise<number>;
  /** The grades (分类定级) in the same database (ledger/grades.ts). */
  grades(): GradeStore;
  /** Runs pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /** Records one event; `inserted` is false when a row with that id already existed. */
  record(event: LedgerEvent): Promise<{ inserted: boolean }>;
  /** Records many in one transaction; returns how many were new. */
  recordMany(events: LedgerEvent[]): Promise<number>;
  get(id: string): Promise<LedgerEvent | undefined>;
  events(filter: EventFilter): Promise<LedgerEvent[]>;
  /**
   * For each address asked (compared without case; keyed in lower case), the instant of the first
   * message of the campaign the mail server accepted for it after `after`: what answers a refusal
   * of the address at that instant. Those with none are not in the map.
   */
  firstDeliveriesAfter(campaignId: string, asks: readonly DeliveryAsk[]): Promise<Map<string, string>>;
  upsertUnits(units: LedgerUnit[]): Promise<void>;
  units(campaignId: string): Promise<LedgerUnit[]>;
  /** Every campaign the ledger holds (each registers its units as it starts), by id. */
  campaigns(): Promise<string[]>;
  /**
   * The SHA-256 (hex) of every file an event names, across campaigns: the files of reports, of
   * corrections and of units' requests for one. What the attachment store keeps beyond these is
   * nobody's (web/attachment-sweep.ts).
   */
  attachmentHashes(): Promise<Set<string>>;
  /** The audit's reads, aggregated by the database from the per-deadline summary. */
  unitLags(filter: AuditFilter, opts?: UnitLagOptions): Promise<UnitLag[]>;
  /** `open`: only deadlines neither answered nor waived. */
  deadlineRows(filter: AuditFilter & { unitId?: string; open?: boolean }): Promise<DeadlineRow[]>;
  openRectifications(filter: AuditFilter, opts?: ListOptions): Promise<OpenRectification[]>;
  /** How many rows openRectifications returns without a limit, counted by the database. */
  openRectificationCount(filter: AuditFilter): Promise<number>;
  /** Leader reviews given late or missing, one row per reviewed report. */
  lateReviews(filter: AuditFilter, opts?: ListOptions): Promise<LateReview[]>;
  /** How many rows lateReviews returns without a limit, counted by the database. */
  lateReviewCount(filter: AuditFilter): Promise<number>;
  close(): Promise<void>;
}

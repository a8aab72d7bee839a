/**
 * The ledger (专项台帐): one row per fact, keyed by a deterministic id so that recording the
 * same fact twice (an activity retried after a crash) leaves one row. It outlives every
 * workflow; the audit reads only from here.
 */

export const EVENT_KINDS = [
  'deadline-opened',
  'message-intent',
  'message-sent',
  'message-failed',
  'submission',
  'extension',
  'waiver',
  'escalated',
  'rectification-ordered',
  'review-comment',
  'evaluation',
  'grade',
  'phase-started',
  'phase-advanced',
  'deadline-closed',
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
}

export interface LedgerStore {
  /** Runs pending migrations; safe to call on every start. */
  migrate(): Promise<void>;
  /** Records one event; `inserted` is false when a row with that id already existed. */
  record(event: LedgerEvent): Promise<{ inserted: boolean }>;
  /** Records many in one transaction; returns how many were new. */
  recordMany(events: LedgerEvent[]): Promise<number>;
  get(id: string): Promise<LedgerEvent | undefined>;
  events(filter: EventFilter): Promise<LedgerEvent[]>;
  upsertUnits(units: LedgerUnit[]): Promise<void>;
  units(campaignId: string): Promise<LedgerUnit[]>;
  close(): Promise<void>;
}

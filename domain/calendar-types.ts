/**
 * What the calendar computes: every cycle of every obligation, with the instants of its
 * opening, reminders, due time, escalation steps and rectification order. All instants are
 * ISO-8601 strings in UTC (JSON-plain, so they cross workflow boundaries unchanged); show
 * them in the plan's time zone with `format.ts`.
 */
import type { Audience } from './plan-schema';

export type StepKind = 'notice' | 'reminder' | 'due' | 'escalation' | 'rectification';

export interface ScheduledStep {
  /** Stable name within a deadline: notice, reminder-1, reminder-2, due, escalation-1, rectification. */
  step: string;
  kind: StepKind;
  /** When it is sent: already moved into office hours on a working day. */
  at: string;
  notify: Audience[];
  /** For a rectification order: its own deadline (through the obligation's holiday rule). */
  deadline?: string;
  /** The order's deadline falls on a day off (kept, flagged). */
  deadlineOnHoliday?: boolean;
  /** When the plan moved the order's deadline to the next working day: the original instant. */
  deadlineMovedFrom?: string;
}

/** A deadline's due instant after the holiday rule. */
export interface DueDate {
  dueAt: string;
  /** It falls on a day off and the plan keeps it there (onHoliday: flag). */
  dueOnHoliday: boolean;
  /** It fell on a day off and the plan moved it to the next working day: the original instant. */
  movedFrom?: string;
}

/**
 * A leader review (领导点评) of one report: it opens when the report arrives on time, or at the
 * report's due instant, and is due `review.due` after the report arrives (or after its due
 * instant, if it has not), through the holiday rule.
 */
export interface ReviewSchedule extends DueDate {
  /** `<obligation>.review`. */
  obligationKey: string;
  opensAt: string;
  steps: ScheduledStep[];
}

export interface CycleSchedule {
  obligationKey: string;
  /** e.g. 2010-Q3, 2010-H2, 2011, once. */
  cycleKey: string;
  /** e.g. 2010年第三季度. */
  cycleLabel: string;
  cycleLabelEn: string;
  phaseKey: string;
  opensAt: string;
  dueAt: string;
  /** The due date fell on a public holiday or weekend (kept, flagged). */
  dueOnHoliday: boolean;
  /** When the plan moved the due date to the next working day: the original instant. */
  movedFrom?: string;
  steps: ScheduledStep[];
}

/** A cycle whose reports are reviewed, and the review of a report handed in on its due day. */
export interface CycleReview {
  obligationKey: string;
  cycleKey: string;
  /** The latest the review can open and fall due: a report that comes earlier moves both earlier. */
  review: ReviewSchedule;
}

/** One cycle for one responsible unit. */
export interface DeadlineInstance extends CycleSchedule {
  /** `<campaign>/<obligation>/<cycle>/<unit>`: the deadline workflow id. */
  id: string;
  campaignId: string;
  unitId: string;
}

/** One unit's report reviewed by its reviewer (its parent, or the office). */
export interface ReviewDeadlineInstance extends ReviewSchedule {
  /** `<campaign>/<obligation>.review/<cycle>/<reviewed unit>`: the review workflow id. */
  id: string;
  campaignId: string;
  cycleKey: string;
  /** The reviewer: the unit whose leader comments. */
  unitId: string;
  reviewedUnitId: string;
}

export interface PhaseWindow {
  key: string;
  startAt: string;
  /** Absent while only the committee can end it. */
  endAt?: string;
}

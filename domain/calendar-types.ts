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
  /** For a rectification order: its own deadline. */
  deadline?: string;
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

/** One cycle for one responsible unit. */
export interface DeadlineInstance extends CycleSchedule {
  /** `<campaign>/<obligation>/<cycle>/<unit>`: the deadline workflow id. */
  id: string;
  campaignId: string;
  unitId: string;
}

export interface PhaseWindow {
  key: string;
  startAt: string;
  /** Absent while only the committee can end it. */
  endAt?: string;
}

/**
 * Obligations opened by events (the plan's `openedBy`): which of them an event opens for its
 * unit, as which cycle, due when. Pure and deterministic: the campaign workflow uses it to open
 * the deadlines, `preview` and the rehearsal to say what will open.
 *
 * An event opens one cycle per obligation and unit: a grade the cycle of its grading year (a
 * branch graded C at the committee's step and D at the university's has one rectification
 * report of 2012), an appointment the cycle of the day it was made (a second secretary appointed
 * later in the year has a training of her own).
 */
import { DateTime } from 'luxon';
import { eventCycle, type EventCycleKey } from '../calendar';
import type { CycleSchedule, PhaseWindow } from '../calendar-types';
import { isId } from '../ids';
import type { Org } from '../org-schema';
import { responsibleUnits } from '../org-slice';
// The grades from grading.ts, not plan-schema.ts: the campaign workflow imports this file, and
// plan-schema.ts would bring zod into the workflow bundle (see test/architecture/workflow-bundle.test.ts).
import { GRADE_LETTERS, GRADING_STEPS } from '../grading';
import type { Obligation, Plan } from '../plan-schema';
import type { CampaignEvent } from './requests';

const isBlank = (s: unknown): boolean => typeof s !== 'string' || s.trim() === '';

/**
 * What is wrong with an event's fields (naming the field), or undefined. With the organisation
 * (or the unit's slice of it), the unit must be one of its branches.
 */
export function campaignEventProblem(event: CampaignEvent, org?: Org): string | undefined {
  const e = event as Partial<Record<string, unknown>> | undefined;
  if (e === undefined || e === null || typeof e !== 'object') return 'event: an object is required';
  if (e.event !== 'graded' && e.event !== 'secretary-appointed')
    return `event: "graded" or "secretary-appointed", got ${JSON.stringify(e.event)}`;
  if (typeof e.unitId !== 'string' || !isId('unit', e.unitId)) return `unitId: a unit id is required`;
  if (org && !org.units[e.unitId]) return `unitId: no unit "${e.unitId}" in this campaign's organisation`;
  if (org && org.units[e.unitId]!.level !== 'branch') return `unitId: "${e.unitId}" is not a branch`;
  if (isBlank(e.actor)) return 'actor: who records the event is required';
  if (e.at !== undefined && typeof e.at !== 'string') return 'at: an ISO instant';
  if (e.event === 'graded') {
    if (typeof e.year !== 'number' || !Number.isInteger(e.year) || e.year < 1900 || e.year > 2999)
      return `year: a grading year such as 2012, got ${JSON.stringify(e.year)}`;
    if (!GRADING_STEPS.includes(e.step as never))
      return `step: one of ${GRADING_STEPS.join(', ')}, got ${JSON.stringify(e.step)}`;
    if (!GRADE_LETTERS.includes(e.grade as never))
      return `grade: one of ${GRADE_LETTERS.join(', ')}, got ${JSON.stringify(e.grade)}`;
  } else if (isBlank(e.secretary)) return 'secretary: the new secretary’s name is required';
  return undefined;
}

/** Whether the plan's obligation is opened by this event (kind, and for a grade its letter and step). */
export function opensOn(obligation: Obligation, event: CampaignEvent): boolean {
  const by = obligation.openedBy;
  if (!by || by.event !== event.event) return false;
  if (by.event === 'graded' && event.event === 'graded')
    return by.step === event.step && by.grades.includes(event.grade);
  return true;
}

/** The cycle an event opens: the grading year, or the day of the appointment in the plan's zone. */
export function eventCycleKey(event: CampaignEvent, eventAt: string, zone: string): EventCycleKey {
  if (event.event === 'graded')
    return { key: `${event.year}`, label: `${event.year}年度分类定级`, labelEn: `grading ${event.year}` };
  const day = DateTime.fromISO(eventAt, { zone });
  return {
    key: day.toISODate()!,
    label: `${day.year}年${day.month}月${day.day}日任职`,
    labelEn: `appointed ${day.toISODate()!}`,
  };
}

/** The cycles an event opens for its unit, and why each other obligation it names does not open. */
export function eventCycles(
  plan: Plan,
  org: Org,
  windows: PhaseWindow[],
  event: CampaignEvent,
  eventAt: string,
): { cycles: CycleSchedule[]; notOpened: { obligationKey: string; reason: string }[] } {
  const cycles: CycleSchedule[] = [];
  const notOpened: { obligationKey: string; reason: string }[] = [];
  const key = eventCycleKey(event, eventAt, plan.timeZone);
  for (const o of plan.obligations.filter((x) => opensOn(x, event))) {
    if (!responsibleUnits(org, o).includes(event.unitId)) {
      notOpened.push({ obligationKey: o.key, reason: `${event.unitId} is not one of its submitters` });
      continue;
    }
    const c = eventCycle(plan, o, windows, eventAt, key);
    if (typeof c === 'string') notOpened.push({ obligationKey: o.key, reason: c });
    else cycles.push(c);
  }
  return { cycles, notOpened };
}

/** A branch whose secretary is someone else in the re-imported organisation file: an appointment. */
export interface SecretaryChange {
  unitId: string;
  unitName: string;
  /** Absent when the branch had no secretary recorded. */
  previous?: string;
  secretary: string;
}

/**
 * The appointments a re-imported organisation file records: each branch of the campaign's
 * organisation whose secretary (by name) is another person in the new file. A branch only in the
 * new file has no deadline of the campaign's yet (it takes part from the next cycles, when the
 * campaign follows the file), and is listed apart.
 */
export function secretaryChanges(before: Org, after: Org): { changes: SecretaryChange[]; newBranches: string[] } {
  const changes: SecretaryChange[] = [];
  const newBranches: string[] = [];
  for (const id of after.order) {
    const now = after.units[id];
    if (now?.level !== 'branch') continue;
    const was = before.units[id];
    if (!was) {
      newBranches.push(id);
      continue;
    }
    const name = now.secretary?.name.trim();
    if (name && name !== was.secretary?.name.trim())
      changes.push({ unitId: id, unitName: now.name, previous: was.secretary?.name, secretary: name });
  }
  return { changes, newBranches };
}

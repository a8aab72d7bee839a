/**
 * The campaign calendar: from a plan (and the committee's phase changes), every instant of
 * the campaign — phase windows, each cycle's opening and due instant, and each deadline's
 * steps (notice, reminders, due-day notice, escalations, rectification order), placed in
 * office hours on working days of the Chinese calendar. Pure and deterministic: workflows
 * call it, and so do `preview` and the rehearsal.
 *
 * Conventions, all in the plan's time zone:
 * - "by 31 July" is due at 23:59:59 that day; a date-time due is that instant.
 * - A phase runs from 00:00 of its first day to 00:00 after its last day (exclusive).
 * - A notice, an escalation or a rectification order outside office hours (or on a day off)
 *   moves forward to the next opening of the office; a reminder moves back, to the last office
 *   minute before its moment ("a day before" arrives the afternoon before, not on the due day).
 *   Nothing that must come before the due instant is moved past it.
 * - The due-day notice goes out when the office opens on the due day (or the working day
 *   before it); reminders that would land on or after it are left out.
 * - Every deadline goes through one holiday rule (`applyHolidayRule`, the obligation's
 *   `onHoliday`): a cycle's due date, a review's due date (counted from the report, so opened
 *   by an event) and a rectification order's deadline. On a day off it is kept and flagged, or
 *   moved to the same time on the next working day.
 */
import { DateTime } from 'luxon';
import type { HolidayRule, Obligation, Plan, DueRule } from './plan-schema';
import type { Org } from './org-schema';
import type {
  CycleReview,
  CycleSchedule,
  DeadlineInstance,
  DueDate,
  PhaseWindow,
  ReviewDeadlineInstance,
  ReviewSchedule,
  ScheduledStep,
} from './calendar-types';
import { applyOffset } from './offsets';
import { isWorkingDay, nextWorkingDay, previousWorkingDay } from './workdays';
import { responsibleUnits, reviewerOf } from './org-slice';

export interface PhaseOverrides {
  /** Phases the committee started, with the instant (ISO). */
  started?: Record<string, string>;
  /** Phases the committee ended, with the instant (ISO). */
  ended?: Record<string, string>;
}

export class CalendarError extends Error {
  override readonly name = 'CalendarError';
  readonly code = 'CALENDAR_INVALID';
}

const iso = (dt: DateTime): string => dt.toUTC().toISO()!;
const endOfDay = (dt: DateTime): DateTime => dt.set({ hour: 23, minute: 59, second: 59, millisecond: 0 });
const localDate = (date: string, zone: string): DateTime => DateTime.fromISO(date, { zone }).startOf('day');
const at = (s: string, zone: string): DateTime => DateTime.fromISO(s, { zone });

// ---------- phases ----------

export function phaseWindows(plan: Plan, overrides: PhaseOverrides = {}): PhaseWindow[] {
  const zone = plan.timeZone;
  const started = overrides.started ?? {};
  const ended = overrides.ended ?? {};
  const starts = plan.phases.map((p) => started[p.key] ?? iso(localDate(p.start, zone)));
  return plan.phases.map((p, i) => {
    const planned = p.end === 'by-committee' ? undefined : iso(localDate(p.end, zone).plus({ days: 1 }));
    // The next phase's start ends this one when it comes first (the committee started it early).
    const next = starts[i + 1];
    let endAt = ended[p.key] ?? planned;
    if (next !== undefined && (endAt === undefined || Date.parse(next) < Date.parse(endAt))) endAt = next;
    return { key: p.key, startAt: starts[i]!, endAt };
  });
}

// ---------- office hours ----------

function officeBounds(plan: Plan, day: DateTime): { open: DateTime; close: DateTime } {
  const [sh, sm] = plan.officeHours.start.split(':').map(Number);
  const [eh, em] = plan.officeHours.end.split(':').map(Number);
  return {
    open: day.set({ hour: sh, minute: sm, second: 0, millisecond: 0 }),
    close: day.set({ hour: eh, minute: em, second: 0, millisecond: 0 }),
  };
}

function officeDay(plan: Plan, date: string): boolean {
  return !plan.officeHours.workingDaysOnly || isWorkingDay(date);
}

function shiftDate(dt: DateTime, date: string): DateTime {
  const [year, month, day] = date.split('-').map(Number);
  return dt.set({ year, month, day });
}

// ---------- the holiday rule ----------

/**
 * The one rule every deadline goes through: a due instant on a day off (in the plan's zone) is
 * kept and flagged, or moved to the same time of the next working day. `due` is in the plan's zone.
 */
export function applyHolidayRule(rule: HolidayRule, due: DateTime): DueDate {
  const date = due.toISODate()!;
  if (isWorkingDay(date)) return { dueAt: iso(due), dueOnHoliday: false };
  if (rule === 'flag') return { dueAt: iso(due), dueOnHoliday: true };
  return { dueAt: iso(shiftDate(due, nextWorkingDay(date))), dueOnHoliday: false, movedFrom: iso(due) };
}

/** The instant itself if the office is open then, else the office's next opening. */
export function intoOfficeHours(plan: Plan, t: DateTime): DateTime {
  const date = t.toISODate()!;
  if (officeDay(plan, date)) {
    const { open, close } = officeBounds(plan, t);
    if (t < open) return open;
    if (t < close) return t;
  }
  let next = t.plus({ days: 1 }).toISODate()!;
  if (plan.officeHours.workingDaysOnly) next = nextWorkingDay(next);
  return officeBounds(plan, shiftDate(t, next)).open;
}

/** The last office minute strictly before `t`. */
export function lastOfficeMinuteBefore(plan: Plan, t: DateTime): DateTime {
  const date = t.toISODate()!;
  if (officeDay(plan, date)) {
    const { open, close } = officeBounds(plan, t);
    if (t > open) return DateTime.min(t.minus({ minutes: 1 }), close.minus({ minutes: 1 }));
  }
  let prev = t.minus({ days: 1 }).toISODate()!;
  if (plan.officeHours.workingDaysOnly) prev = previousWorkingDay(prev);
  return officeBounds(plan, shiftDate(t, prev)).close.minus({ minutes: 1 });
}

/** The instant itself if the office is open then, else the last office minute before it. */
function officeAtOrBefore(plan: Plan, t: DateTime): DateTime {
  return intoOfficeHours(plan, t).equals(t) ? t : lastOfficeMinuteBefore(plan, t);
}

/** Into office hours, but never at or after `limit`. */
function officeBefore(plan: Plan, t: DateTime, limit: DateTime): DateTime {
  const moved = intoOfficeHours(plan, t);
  return moved < limit ? moved : lastOfficeMinuteBefore(plan, limit);
}

// ---------- cycles ----------

interface Period {
  key: string;
  label: string;
  labelEn: string;
  start: DateTime;
  /** The last day of the period (00:00). */
  lastDay: DateTime;
}

const ZH_NUM = ['一', '二', '三', '四'];

/**
 * A calendar cycle's label from its key (2010-Q3 → 2010年第三季度, 2011-H1 → 2011年上半年, 2012 →
 * 2012年度), for a page or a mail that has the key alone; undefined for a key of another kind
 * (`once`, an event's).
 */
export function cycleLabelOfKey(key: string, locale: 'zh' | 'en'): string | undefined {
  const m = /^(\d{4})(?:-([QH])([1-4]))?$/.exec(key);
  if (!m) return undefined;
  const [, y, kind, nText] = m;
  const n = Number(nText);
  if (kind === 'Q') return locale === 'zh' ? `${y}年第${ZH_NUM[n - 1]}季度` : `Q${n} ${y}`;
  if (kind === 'H' && n <= 2) return locale === 'zh' ? `${y}年${n === 1 ? '上' : '下'}半年` : `H${n} ${y}`;
  if (kind === undefined) return locale === 'zh' ? `${y}年度` : y;
  return undefined;
}

function periodsOf(cadence: Obligation['cadence'], from: DateTime, to: DateTime): Period[] {
  const months = cadence === 'quarterly' ? 3 : cadence === 'half-yearly' ? 6 : 12;
  const out: Period[] = [];
  let start = from.startOf('year');
  while (start < to) {
    const end = start.plus({ months });
    const y = start.year;
    const n = Math.floor((start.month - 1) / months) + 1;
    const key = cadence === 'quarterly' ? `${y}-Q${n}` : cadence === 'half-yearly' ? `${y}-H${n}` : `${y}`;
    out.push({
      key,
      label: cycleLabelOfKey(key, 'zh') ?? key,
      labelEn: cycleLabelOfKey(key, 'en') ?? key,
      start,
      lastDay: end.minus({ days: 1 }),
    });
    start = end;
  }
  return out;
}

function dueFromRule(rule: DueRule, period: Period, phase: PhaseWindow, zone: string): DateTime {
  if ('at' in rule) {
    return rule.at.includes('T') ? at(rule.at, zone) : endOfDay(localDate(rule.at, zone));
  }
  if ('afterEvent' in rule) throw new CalendarError('a due date counted from an event has no calendar cycle');
  const anchor =
    rule.from === 'cycle-start'
      ? period.start
      : rule.from === 'cycle-end'
        ? period.lastDay
        : rule.from === 'phase-start'
          ? at(phase.startAt, zone).startOf('day')
          : at(phase.endAt ?? phase.startAt, zone)
              .minus({ days: 1 })
              .startOf('day');
  const day = applyOffset(anchor, rule.offset);
  if (rule.time === 'end-of-day') return endOfDay(day);
  const [hour, minute] = rule.time.split(':').map(Number);
  return day.set({ hour, minute, second: 0, millisecond: 0 });
}

function windowEnd(plan: Plan, w: PhaseWindow, horizon?: string): number {
  if (w.endAt !== undefined) return Date.parse(w.endAt);
  if (horizon !== undefined) return Date.parse(horizon);
  return applyOffset(at(w.startAt, plan.timeZone), plan.openEndedHorizon).toMillis();
}

export interface CycleOptions {
  /** Where an open-ended phase is taken to end, for generating its cycles. */
  horizon?: string;
}

/** Every cycle of one obligation whose due instant falls inside one of its phases. */
export function cyclesOf(
  plan: Plan,
  obligation: Obligation,
  windows: PhaseWindow[],
  opts: CycleOptions = {},
): CycleSchedule[] {
  // An obligation opened by an event has no cycles of its own: `eventCycle` opens it, per event.
  if (obligation.openedBy) return [];
  const zone = plan.timeZone;
  const active = windows.filter((w) => obligation.phases.includes(w.key));
  if (active.length === 0) return [];
  const first = at(active[0]!.startAt, zone);
  const last = DateTime.fromMillis(Math.max(...active.map((w) => windowEnd(plan, w, opts.horizon))), { zone });
  const periods: Period[] =
    obligation.cadence === 'once'
      ? [
          {
            key: 'once',
            label: '一次性',
            labelEn: 'one-off',
            start: first.startOf('day'),
            lastDay: last.minus({ days: 1 }).startOf('day'),
          },
        ]
      : periodsOf(obligation.cadence, first, last);
  if (obligation.cadence !== 'once' && 'at' in obligation.due) {
    throw new CalendarError(`obligations.${obligation.key}.due: a fixed "at" date fits only a one-off obligation`);
  }
  const out: CycleSchedule[] = [];
  for (const period of periods) {
    // A plan that lists its cycles opens only those (the seed names fewer than the cadence gives).
    if (obligation.cycles && !obligation.cycles.includes(period.key)) continue;
    for (const w of active) {
      const { dueAt, dueOnHoliday, movedFrom } = applyHolidayRule(
        obligation.onHoliday,
        dueFromRule(obligation.due, period, w, zone),
      );
      const t = Date.parse(dueAt);
      if (t < Date.parse(w.startAt) || t >= windowEnd(plan, w, opts.horizon)) continue;
      const opensAt = iso(DateTime.max(applyOffset(at(dueAt, zone), obligation.opens), at(w.startAt, zone)));
      out.push({
        obligationKey: obligation.key,
        cycleKey: period.key,
        cycleLabel: period.label,
        cycleLabelEn: period.labelEn,
        phaseKey: w.key,
        opensAt,
        dueAt,
        dueOnHoliday,
        movedFrom,
        steps: stepsForDue(plan, obligation, opensAt, dueAt, { holidayRule: true }),
      });
      break;
    }
  }
  return out;
}

/** What an event opens its obligation's cycle as: its key (the grade's year, the appointment's day) and labels. */
export interface EventCycleKey {
  key: string;
  label: string;
  labelEn: string;
}

/**
 * The one cycle an event opens of an obligation with `openedBy`, at the event's instant `eventAt`:
 * open at once, due `afterEvent` after it (at the end of that day, or at the rule's time) through
 * the obligation's holiday rule like every deadline, in the phase that holds the event. A string
 * saying why not when the event falls in none of the obligation's phases.
 */
export function eventCycle(
  plan: Plan,
  obligation: Obligation,
  windows: PhaseWindow[],
  eventAt: string,
  cycle: EventCycleKey,
): CycleSchedule | string {
  const rule = obligation.due;
  if (!obligation.openedBy || !('afterEvent' in rule))
    throw new CalendarError(`obligations.${obligation.key} is not opened by an event`);
  const zone = plan.timeZone;
  const t = Date.parse(eventAt);
  const w = windows.find(
    (x) => obligation.phases.includes(x.key) && Date.parse(x.startAt) <= t && t < windowEnd(plan, x),
  );
  if (!w) return `the event (${eventAt}) falls in none of its phases (${obligation.phases.join(', ')})`;
  const day = applyOffset(at(eventAt, zone), rule.afterEvent);
  const [hour, minute] = rule.time === 'end-of-day' ? [] : rule.time.split(':').map(Number);
  const due = hour === undefined ? endOfDay(day) : day.set({ hour, minute, second: 0, millisecond: 0 });
  const { dueAt, dueOnHoliday, movedFrom } = applyHolidayRule(obligation.onHoliday, due);
  const opensAt = iso(at(eventAt, zone));
  return {
    obligationKey: obligation.key,
    cycleKey: cycle.key,
    cycleLabel: cycle.label,
    cycleLabelEn: cycle.labelEn,
    phaseKey: w.key,
    opensAt,
    dueAt,
    dueOnHoliday,
    movedFrom,
    steps: stepsForDue(plan, obligation, opensAt, dueAt, { holidayRule: true }),
  };
}

// ---------- steps ----------

/**
 * Steps already worked out, by everything `computeSteps` reads. Every deadline of a cycle has the
 * same steps, and the calendar arithmetic (luxon's zone offsets) is dear: in a 5,000-branch
 * rehearsal it took 30% of the worker's workflow thread, since each deadline works its steps
 * out when it starts and again whenever it is replayed. The worker runs every workflow in one
 * shared V8 context (`reuseV8Context`), so this module's state outlives a single workflow. That
 * is safe for a pure function's results: a hit and a miss give the same steps, so replay cannot
 * tell them apart. The steps are frozen and each caller gets its own array.
 */
const stepsMemo = new Map<string, readonly ScheduledStep[]>();
const STEPS_MEMO_SIZE = 512;

export interface StepOptions {
  /**
   * Send a rectification order's deadline through the holiday rule. Deadline workflows started
   * before the rule covered every deadline computed it without; they keep doing so on replay.
   */
  holidayRule?: boolean;
}

export function stepsForDue(
  plan: Plan,
  obligation: Obligation,
  opensAt: string,
  dueAt: string,
  opts: StepOptions = {},
): ScheduledStep[] {
  const holidayRule = opts.holidayRule === true;
  const key = JSON.stringify([plan.timeZone, plan.officeHours, obligation, opensAt, dueAt, holidayRule]);
  let steps = stepsMemo.get(key);
  if (!steps) {
    steps = Object.freeze(
      computeSteps(plan, obligation, opensAt, dueAt, holidayRule).map((s) =>
        Object.freeze({ ...s, notify: Object.freeze(s.notify) }),
      ),
    ) as readonly ScheduledStep[];
    // The oldest entry goes first (a Map keeps insertion order): cycles are worked through in order.
    if (stepsMemo.size >= STEPS_MEMO_SIZE) stepsMemo.delete(stepsMemo.keys().next().value!);
    stepsMemo.set(key, steps);
  }
  return [...steps];
}

function computeSteps(
  plan: Plan,
  obligation: Obligation,
  opensAt: string,
  dueAt: string,
  holidayRule: boolean,
): ScheduledStep[] {
  const zone = plan.timeZone;
  const due = at(dueAt, zone);
  const open = at(opensAt, zone);
  const steps: ScheduledStep[] = [];
  const notice = officeBefore(plan, open, due);
  steps.push({ step: 'notice', kind: 'notice', at: iso(notice), notify: ['unit'] });

  // The due-day notice: the morning of the due day (or the last working day before it).
  const dueDayOpen = officeBounds(plan, due.startOf('day')).open;
  const dueDay = officeBefore(plan, dueDayOpen, due);

  // A reminder "1 day before" goes out in the office hours before that moment, not after it.
  const reminders = obligation.reminders
    .map((r) => officeAtOrBefore(plan, applyOffset(due, r)))
    .filter((t) => t > notice && t < dueDay)
    .sort((a, b) => a.toMillis() - b.toMillis());
  let n = 0;
  let last = notice;
  for (const t of reminders) {
    if (t.equals(last)) continue; // two offsets that land in the same office minute make one reminder
    steps.push({ step: `reminder-${++n}`, kind: 'reminder', at: iso(t), notify: ['unit'] });
    last = t;
  }
  if (dueDay > last) steps.push({ step: 'due', kind: 'due', at: iso(dueDay), notify: ['unit'] });

  obligation.escalation.forEach((e, i) => {
    steps.push({
      step: `escalation-${i + 1}`,
      kind: 'escalation',
      at: iso(intoOfficeHours(plan, applyOffset(due, e.after))),
      notify: e.notify,
    });
  });
  if (obligation.rectification) {
    const order = intoOfficeHours(plan, applyOffset(due, obligation.rectification.after));
    const deadline = endOfDay(applyOffset(order, obligation.rectification.deadline));
    const step: ScheduledStep = {
      step: 'rectification',
      kind: 'rectification',
      at: iso(order),
      notify: obligation.rectification.notify,
      deadline: iso(deadline),
    };
    if (holidayRule) {
      const d = applyHolidayRule(obligation.onHoliday, deadline);
      step.deadline = d.dueAt;
      if (d.dueOnHoliday) step.deadlineOnHoliday = true;
      if (d.movedFrom) step.deadlineMovedFrom = d.movedFrom;
    }
    steps.push(step);
  }
  return steps;
}

/**
 * The reviewer's comment is due `review.due` after the report arrives, or after its due instant,
 * without the holiday rule: what review deadlines started before the rule covered them compute
 * on replay. New ones use `reviewSchedule`.
 */
export function reviewDueAt(
  plan: Plan,
  obligation: Obligation,
  reportDueAt: string,
  reportReceivedAt?: string,
): string {
  if (!obligation.review) throw new CalendarError(`obligations.${obligation.key} has no review`);
  const base = at(reportReceivedAt ?? reportDueAt, plan.timeZone);
  return iso(endOfDay(applyOffset(base, obligation.review.due)));
}

/** A review as a deadline of its own: the reviewer's ladder, the report's holiday rule unless it has its own. */
export function reviewObligationOf(obligation: Obligation): Obligation {
  const review = obligation.review;
  if (!review) throw new CalendarError(`obligations.${obligation.key} has no review`);
  return {
    ...obligation,
    key: `${obligation.key}.review`,
    title: review.title,
    titleEn: review.titleEn,
    opens: '+0d',
    reminders: review.reminders,
    escalation: review.escalation,
    onHoliday: review.onHoliday ?? obligation.onHoliday,
    rectification: undefined,
    review: undefined,
    cycles: undefined,
  };
}

/**
 * The review of one report: it opens when the report arrives on time (or at its due instant)
 * and is due `review.due` after the report arrives (or after its due instant, if it has not),
 * at the end of that day, through the holiday rule. Without `receivedAt`: the latest it can be.
 */
export function reviewSchedule(
  plan: Plan,
  obligation: Obligation,
  reportDueAt: string,
  receivedAt?: string,
): ReviewSchedule {
  const review = reviewObligationOf(obligation);
  const zone = plan.timeZone;
  const due = at(reportDueAt, zone);
  const received = receivedAt === undefined ? undefined : at(receivedAt, zone);
  const opensAt = iso(received !== undefined && received <= due ? received : due);
  const dueDate = applyHolidayRule(review.onHoliday, endOfDay(applyOffset(received ?? due, obligation.review!.due)));
  return {
    obligationKey: review.key,
    opensAt,
    ...dueDate,
    steps: stepsForDue(plan, review, opensAt, dueDate.dueAt, { holidayRule: true }),
  };
}

// ---------- the whole campaign ----------

export interface CampaignCalendar {
  windows: PhaseWindow[];
  cycles: CycleSchedule[];
  deadlines: DeadlineInstance[];
  /** For each cycle of a reviewed obligation: its review, as of a report handed in on its due day. */
  reviews: CycleReview[];
  /** Each responsible unit's report reviewed by its reviewer (as above). */
  reviewDeadlines: ReviewDeadlineInstance[];
}

export function computeCalendar(
  plan: Plan,
  org: Org,
  overrides: PhaseOverrides = {},
  opts: CycleOptions = {},
): CampaignCalendar {
  const windows = phaseWindows(plan, overrides);
  const cycles = plan.obligations.flatMap((o) => cyclesOf(plan, o, windows, opts));
  cycles.sort(
    (a, b) => Date.parse(a.opensAt) - Date.parse(b.opensAt) || a.obligationKey.localeCompare(b.obligationKey),
  );
  const deadlines: DeadlineInstance[] = [];
  const reviews: CycleReview[] = [];
  const reviewDeadlines: ReviewDeadlineInstance[] = [];
  for (const c of cycles) {
    const obligation = plan.obligations.find((o) => o.key === c.obligationKey)!;
    const review = obligation.review ? reviewSchedule(plan, obligation, c.dueAt) : undefined;
    if (review) reviews.push({ obligationKey: c.obligationKey, cycleKey: c.cycleKey, review });
    for (const unitId of responsibleUnits(org, obligation)) {
      deadlines.push({
        ...c,
        id: `${plan.id}/${c.obligationKey}/${c.cycleKey}/${unitId}`,
        campaignId: plan.id,
        unitId,
      });
      if (review)
        reviewDeadlines.push({
          ...review,
          id: `${plan.id}/${review.obligationKey}/${c.cycleKey}/${unitId}`,
          campaignId: plan.id,
          cycleKey: c.cycleKey,
          unitId: reviewerOf(org, unitId),
          reviewedUnitId: unitId,
        });
    }
  }
  return { windows, cycles, deadlines, reviews, reviewDeadlines };
}

/**
 * The input of a campaign or a deadline, checked again by the workflow that is to use it. The
 * command line, the web service and the rehearsal validate plans and organisations at the edge,
 * but a workflow takes
 * whatever its starter sent: a plan with `due: { at: '2010-02-30' }` once reached the calendar,
 * whose TypeError failed the campaign's workflow task on every attempt, so the campaign stayed
 * RUNNING and answered nothing. With these checks the workflow fails at once, for good, naming the
 * field (workflows/campaign.ts, workflows/deadline.ts).
 *
 * Plain functions over the fields the engine reads, without zod (it stays out of the workflow
 * bundle): the dates and date-times the calendar parses, the offsets it adds, the zone, the
 * keys, and the organisation's shape.
 */
import { DateTime } from 'luxon';
import { dateProblem, FIRST_YEAR, isEngineInstant, isTimeZone, LAST_YEAR, localDateTimeProblem } from '../dates';
import { idProblem } from '../ids';
import { MAX_OFFSET_YEARS, offsetWithin, parseOffset } from '../offsets';
import { initialSteps } from './deadline-opening';
import type { DeadlineInput } from './inputs';

type Json = Record<string, unknown>;
type Add = (field: string, problem: string | undefined) => void;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;
const isTimeOfDay = (v: unknown): boolean => typeof v === 'string' && HH_MM.test(v);
// The values the engine branches on. Copied from plan-schema.ts and org-schema.ts, which bring zod.
const LEVELS = ['office', 'committee', 'branch', 'member'];
const SUBMITTER_LEVELS = ['committee', 'branch', 'member'];
const CADENCES = ['once', 'quarterly', 'half-yearly', 'yearly'];
const DUE_ANCHORS = ['cycle-start', 'cycle-end', 'phase-start', 'phase-end'];
const HOLIDAY_RULES = ['flag', 'next-working-day'];
const AUDIENCES = ['unit', 'parent', 'office'];
const EVENTS = ['graded', 'secretary-appointed'];

const shown = (v: unknown): string =>
  typeof v === 'string'
    ? `"${v.slice(0, 40)}"`
    : Array.isArray(v)
      ? 'a list'
      : typeof v === 'object' && v !== null
        ? 'an object'
        : String(v);
/** Why `v` is not a date YYYY-MM-DD the calendar has. */
const dateFieldProblem = (v: unknown): string | undefined =>
  typeof v === 'string' ? dateProblem(v) : v === undefined ? 'is missing' : `is ${shown(v)}, not a date YYYY-MM-DD`;
const textProblem = (v: unknown): string | undefined =>
  typeof v === 'string' && v.length > 0 ? undefined : v === undefined ? 'is missing' : 'is not a text';
const oneOfProblem = (v: unknown, values: readonly string[]): string | undefined =>
  typeof v === 'string' && values.includes(v)
    ? undefined
    : v === undefined
      ? 'is missing'
      : `is ${shown(v)}, not one of ${values.join(', ')}`;
const optional =
  (check: (v: unknown) => string | undefined) =>
  (v: unknown): string | undefined =>
    v === undefined ? undefined : check(v);

function offsetProblem(v: unknown): string | undefined {
  if (v === undefined) return 'is missing';
  if (typeof v !== 'string') return 'is not an offset';
  try {
    parseOffset(v);
  } catch {
    return `"${v.slice(0, 40)}" is not an offset`;
  }
  return offsetWithin(v, MAX_OFFSET_YEARS) ? undefined : `"${v}" spans more than ${MAX_OFFSET_YEARS} years`;
}

/** `each` for every item of a list at `field`; a value that is no list is named (absent only if `optional`). */
function eachOf(
  add: Add,
  field: string,
  v: unknown,
  each: (item: unknown, at: string) => void,
  opts = { optional: false },
): void {
  if (v === undefined && opts.optional) return;
  if (!Array.isArray(v)) return add(field, v === undefined ? 'is missing' : 'is not a list');
  v.forEach((item, i) => each(item, `${field}[${i}]`));
}

const timeOfDayProblem = (v: unknown): string | undefined =>
  v === 'end-of-day' || isTimeOfDay(v)
    ? undefined
    : v === undefined
      ? 'is missing'
      : `is ${shown(v)}, not a time HH:mm or end-of-day`;

function escalationProblems(add: Add, field: string, v: unknown): void {
  eachOf(add, field, v, (e, at) => {
    if (!isObject(e)) return add(at, 'is not an escalation step');
    add(`${at}.after`, offsetProblem(e.after));
    audiencesProblems(add, `${at}.notify`, e.notify);
  });
}

function audiencesProblems(add: Add, field: string, v: unknown): void {
  if (Array.isArray(v) && v.length === 0) return add(field, 'names nobody');
  eachOf(add, field, v, (a, at) => add(at, oneOfProblem(a, AUDIENCES)));
}

/** What the calendar and the deadline read of an obligation. */
export interface ObligationCheck {
  /** The plan's zone, for a local date-time due (undefined: only the calendar and clock face are checked). */
  zone?: string;
  /** The plan's phase keys, which the obligation's `phases` must name (undefined: not checked). */
  phaseKeys?: readonly string[];
  /** A review's deadline carries `<key>.review` as its obligation's key. */
  keyKind: 'key' | 'obligation';
}

/**
 * Every problem of one obligation's structure, at `at` (e.g. `plan.obligations[2]`): each field
 * that `cyclesOf`, `stepsForDue`, `reviewSchedule` and `responsibleUnits` read, with the shape
 * they trust. The edge fills the defaults (`reminders: []`, `escalation: []`, …), so the engine
 * reads them without a guard: here an absent one is a problem like a wrong one.
 */
export function obligationProblems(o: unknown, at: string, check: ObligationCheck): string[] {
  const problems: string[] = [];
  const add: Add = (field, problem) => {
    if (problem !== undefined) problems.push(`${field}: ${problem}`);
  };
  if (!isObject(o)) return [`${at}: is not an obligation`];
  add(`${at}.key`, typeof o.key === 'string' ? idProblem(check.keyKind, o.key) : 'is missing');
  add(`${at}.title`, textProblem(o.title));
  if (!isObject(o.submitters)) add(`${at}.submitters`, o.submitters === undefined ? 'is missing' : 'is not a level');
  else {
    add(`${at}.submitters.level`, oneOfProblem(o.submitters.level, SUBMITTER_LEVELS));
    eachOf(add, `${at}.submitters.kinds`, o.submitters.kinds, (k, f) => add(f, textProblem(k)), { optional: true });
  }
  add(`${at}.cadence`, oneOfProblem(o.cadence, CADENCES));
  if (o.openedBy !== undefined) {
    if (!isObject(o.openedBy)) add(`${at}.openedBy`, 'is not an event');
    else add(`${at}.openedBy.event`, oneOfProblem(o.openedBy.event, EVENTS));
  }
  if (Array.isArray(o.phases) && o.phases.length === 0) add(`${at}.phases`, 'names no phase');
  eachOf(add, `${at}.phases`, o.phases, (p, f) => {
    if (typeof p !== 'string') add(f, 'is not a phase key');
    else if (check.phaseKeys && !check.phaseKeys.includes(p)) add(f, `names no phase of the plan (${shown(p)})`);
  });
  dueProblems(add, o, at, check.zone);
  add(`${at}.opens`, offsetProblem(o.opens));
  eachOf(add, `${at}.reminders`, o.reminders, (r, f) => add(f, offsetProblem(r)));
  add(`${at}.onHoliday`, oneOfProblem(o.onHoliday, HOLIDAY_RULES));
  escalationProblems(add, `${at}.escalation`, o.escalation);
  if (o.rectification !== undefined) {
    const r = o.rectification;
    if (!isObject(r)) add(`${at}.rectification`, 'is not a rectification order');
    else {
      add(`${at}.rectification.after`, offsetProblem(r.after));
      add(`${at}.rectification.deadline`, offsetProblem(r.deadline));
      audiencesProblems(add, `${at}.rectification.notify`, r.notify);
    }
  }
  if (o.review !== undefined) {
    const r = o.review;
    if (!isObject(r)) add(`${at}.review`, 'is not a review');
    else {
      add(`${at}.review.due`, offsetProblem(r.due));
      add(`${at}.review.title`, textProblem(r.title));
      eachOf(add, `${at}.review.reminders`, r.reminders, (x, f) => add(f, offsetProblem(x)));
      escalationProblems(add, `${at}.review.escalation`, r.escalation);
      add(`${at}.review.onHoliday`, optional((v) => oneOfProblem(v, HOLIDAY_RULES))(r.onHoliday));
    }
  }
  if (Array.isArray(o.cycles) && o.cycles.length === 0) add(`${at}.cycles`, 'names no cycle');
  eachOf(add, `${at}.cycles`, o.cycles, (c, f) => add(f, textProblem(c)), { optional: true });
  return problems;
}

/** The due rule: one of its three forms, each with what the calendar reads of it. */
function dueProblems(add: Add, o: Json, at: string, zone: string | undefined): void {
  const due = o.due;
  if (!isObject(due)) return add(`${at}.due`, due === undefined ? 'is missing' : 'is not a due rule');
  if ('at' in due) {
    const text = due.at;
    if (typeof text !== 'string') add(`${at}.due.at`, `is ${shown(text)}, not a date or a local date-time`);
    else add(`${at}.due.at`, text.includes('T') ? localDateTimeProblem(text, zone) : dateProblem(text));
    // The calendar refuses a fixed date for a recurring obligation (CalendarError), cycle after cycle.
    if (o.cadence !== 'once' && typeof o.cadence === 'string' && CADENCES.includes(o.cadence))
      add(`${at}.due.at`, `a fixed date fits only a one-off obligation (cadence: ${o.cadence})`);
  } else if ('afterEvent' in due) {
    // Opened by an event (openedBy): the calendar counts only this offset, from the event.
    add(`${at}.due.afterEvent`, offsetProblem(due.afterEvent));
    add(`${at}.due.time`, timeOfDayProblem(due.time));
    if (!isObject(o.openedBy)) add(`${at}.openedBy`, 'is missing for a due date counted from an event');
  } else {
    add(`${at}.due.from`, oneOfProblem(due.from, DUE_ANCHORS));
    add(`${at}.due.offset`, offsetProblem(due.offset));
    add(`${at}.due.time`, timeOfDayProblem(due.time));
  }
  // An event's obligation is due only counted from its event: another rule opens nothing (eventCycle refuses it).
  if (isObject(o.openedBy) && !('afterEvent' in due)) add(`${at}.due`, 'is not counted from the event (afterEvent)');
}

/**
 * Every problem of a campaign's plan and organisation, each as `<field>: <what is wrong>`; none for
 * usable input. `orgByReference`: the plan alone (the organisation is stored, and checked where it is read).
 */
export function campaignInputProblems(plan: unknown, org: unknown, orgByReference = false): string[] {
  const problems: string[] = [];
  const add: Add = (field, problem) => {
    if (problem !== undefined) problems.push(`${field}: ${problem}`);
  };
  if (!isObject(plan)) return ['plan: is not a plan'];
  add('plan.id', typeof plan.id === 'string' ? idProblem('key', plan.id) : 'is missing');
  add('plan.title', textProblem(plan.title));
  const zone = plan.timeZone;
  const zoneOk = typeof zone === 'string' && isTimeZone(zone);
  if (!zoneOk)
    add('plan.timeZone', `is not a time zone (${typeof zone === 'string' ? zone.slice(0, 40) : shown(zone)})`);
  add('plan.locale', oneOfProblem(plan.locale, ['zh', 'en']));
  if (!isObject(plan.officeHours))
    add('plan.officeHours', plan.officeHours === undefined ? 'is missing' : 'is not office hours');
  else {
    for (const k of ['start', 'end'])
      if (!isTimeOfDay(plan.officeHours[k])) add(`plan.officeHours.${k}`, 'is not a time HH:mm');
    if (typeof plan.officeHours.workingDaysOnly !== 'boolean')
      add('plan.officeHours.workingDaysOnly', 'is not true or false');
  }
  add('plan.openEndedHorizon', offsetProblem(plan.openEndedHorizon));

  if (Array.isArray(plan.phases) && plan.phases.length === 0) add('plan.phases', 'has no phase');
  const phaseKeys: string[] = [];
  eachOf(add, 'plan.phases', plan.phases, (p, at) => {
    if (!isObject(p)) return add(at, 'is not a phase');
    if (typeof p.key !== 'string') add(`${at}.key`, 'is missing');
    else if (phaseKeys.includes(p.key)) add(`${at}.key`, `"${p.key}" is a phase already`);
    else add(`${at}.key`, idProblem('key', p.key));
    if (typeof p.key === 'string') phaseKeys.push(p.key);
    add(`${at}.name`, textProblem(p.name));
    add(`${at}.label`, textProblem(p.label));
    add(`${at}.start`, dateFieldProblem(p.start));
    if (p.end !== 'by-committee') add(`${at}.end`, dateFieldProblem(p.end));
  });

  const check: ObligationCheck = { zone: zoneOk ? zone : undefined, phaseKeys, keyKind: 'key' };
  const keys: string[] = [];
  eachOf(add, 'plan.obligations', plan.obligations, (o, at) => {
    problems.push(...obligationProblems(o, at, check));
    // The calendar finds a cycle's obligation by its key: a second one of the same key would take the first's.
    if (isObject(o) && typeof o.key === 'string') {
      if (keys.includes(o.key)) add(`${at}.key`, `"${o.key}" is an obligation already`);
      keys.push(o.key);
    }
  });

  if (orgByReference) return problems;
  return [...problems, ...orgProblems(org)];
}

/** Every problem of an organisation's shape, each as `org.<field>: <what is wrong>`. */
export function orgProblems(org: unknown): string[] {
  const problems: string[] = [];
  const add: Add = (field, problem) => {
    if (problem !== undefined) problems.push(`${field}: ${problem}`);
  };
  if (!isObject(org) || !isObject(org.units) || !Array.isArray(org.order))
    return [...problems, 'org: is not an organisation'];
  const units = org.units;
  if (typeof org.officeId !== 'string' || !isObject(units[org.officeId])) add('org.officeId', 'names no unit');
  org.order.forEach((id: unknown, i) => {
    if (typeof id !== 'string' || !isObject(units[id])) add(`org.order[${i}]`, 'names no unit');
    else problems.push(...unitProblems(units, id));
  });
  return problems;
}

/** What the calendar (responsible units, reviewers) and the mail (recipients) read of one unit. */
export function unitProblems(units: Json, id: string): string[] {
  const problems: string[] = [];
  const add: Add = (field, problem) => {
    if (problem !== undefined) problems.push(`${field}: ${problem}`);
  };
  const u = units[id];
  const at = `org.units.${id}`;
  if (!isObject(u)) return [`${at}: is not a unit`];
  add(`${at}.name`, textProblem(u.name));
  add(`${at}.level`, oneOfProblem(u.level, LEVELS));
  add(`${at}.kind`, optional(textProblem)(u.kind));
  if (u.parentId !== undefined && (typeof u.parentId !== 'string' || !isObject(units[u.parentId])))
    add(`${at}.parentId`, 'names no unit');
  add(`${at}.email`, optional(textProblem)(u.email));
  for (const who of ['secretary', 'liaison'])
    if (u[who] !== undefined) {
      const person = u[who];
      if (!isObject(person)) add(`${at}.${who}`, 'is not a person');
      else {
        add(`${at}.${who}.name`, textProblem(person.name));
        add(`${at}.${who}.email`, optional(textProblem)(person.email));
      }
    }
  return problems;
}

/** Why `v` is not an ISO instant the calendar can read (with its offset, within the years it knows). */
function instantProblem(v: unknown): string | undefined {
  if (typeof v !== 'string') return v === undefined ? 'is missing' : `is ${shown(v)}, not an instant`;
  if (isEngineInstant(v)) return undefined;
  const dt = DateTime.fromISO(v, { setZone: true });
  if (!dt.isValid || !Number.isFinite(Date.parse(v))) return `${shown(v)} is not an instant`;
  if (dt.year < FIRST_YEAR || dt.year > LAST_YEAR)
    return `${shown(v)} is outside the years ${FIRST_YEAR} to ${LAST_YEAR}`;
  return undefined;
}

const finiteNumberProblem = (v: unknown): string | undefined =>
  typeof v === 'number' && Number.isFinite(v) ? undefined : v === undefined ? 'is missing' : 'is not a number';

/**
 * Every problem of a deadline's input (workflows/deadline.ts), each as `<field>: <what is wrong>`;
 * none for usable input. Only what a deadline reads and every release's starters wrote: the ids,
 * the plan slice its steps are worked out from, its clock, its instants, its unit in the
 * organisation slice, and the offsets of its ladder and review. Fields that came later
 * (`onHoliday`, a review's `escalation`, v0.10) are checked only when present: a deadline started
 * before them may still be running. With those sound, its steps are worked out as the workflow
 * will, and each instant must be one.
 */
export function deadlineInputProblems(input: unknown): string[] {
  const problems: string[] = [];
  const add: Add = (field, problem) => {
    if (problem !== undefined) problems.push(`${field}: ${problem}`);
  };
  if (!isObject(input)) return ['deadline: is not a deadline input'];
  for (const k of ['deadlineId', 'unitId', 'batchWorkflowId']) add(k, textProblem(input[k]));
  add('role', oneOfProblem(input.role, ['report', 'review']));
  if (input.role === 'review') add('reviewedUnitId', optional(textProblem)(input.reviewedUnitId));

  const ctx = input.ctx;
  if (!isObject(ctx)) add('ctx', ctx === undefined ? 'is missing' : 'is not a campaign context');
  else {
    add('ctx.campaignId', textProblem(ctx.campaignId));
    if (!(typeof ctx.timeZone === 'string' && isTimeZone(ctx.timeZone)))
      add('ctx.timeZone', `is not a time zone (${shown(ctx.timeZone)})`);
    if (!isObject(ctx.officeHours))
      add('ctx.officeHours', ctx.officeHours === undefined ? 'is missing' : 'is not office hours');
    else
      for (const k of ['start', 'end'])
        if (!isTimeOfDay(ctx.officeHours[k])) add(`ctx.officeHours.${k}`, 'is not a time HH:mm');
    if (!isObject(ctx.clock)) add('ctx.clock', ctx.clock === undefined ? 'is missing' : 'is not a clock');
    else {
      for (const k of ['originPlanMs', 'originServerMs']) add(`ctx.clock.${k}`, finiteNumberProblem(ctx.clock[k]));
      const scale = ctx.clock.scale;
      if (!(typeof scale === 'number' && Number.isFinite(scale) && scale > 0))
        add('ctx.clock.scale', 'is not a positive number');
    }
    if (!isObject(ctx.options))
      add('ctx.options', ctx.options === undefined ? 'is missing' : 'is not the engine options');
    else add('ctx.options.graceMs', finiteNumberProblem(ctx.options.graceMs));
  }

  const cycle = input.cycle;
  if (!isObject(cycle)) add('cycle', cycle === undefined ? 'is missing' : 'is not a cycle');
  else for (const k of ['key', 'phaseKey']) add(`cycle.${k}`, textProblem(cycle[k]));

  const org = input.org;
  if (!isObject(org) || !isObject(org.units)) add('org', 'is not an organisation slice');
  else if (typeof input.unitId === 'string' && !isObject(org.units[input.unitId]))
    add(`org.units.${input.unitId}`, "is missing: the organisation slice lacks the deadline's unit");

  add('opensAt', instantProblem(input.opensAt));
  add('dueAt', instantProblem(input.dueAt));

  const o = input.obligation;
  if (!isObject(o)) add('obligation', o === undefined ? 'is missing' : 'is not an obligation');
  else {
    add('obligation.key', textProblem(o.key));
    eachOf(add, 'obligation.reminders', o.reminders, (r, f) => add(f, offsetProblem(r)));
    escalationProblems(add, 'obligation.escalation', o.escalation);
    add('obligation.onHoliday', optional((v) => oneOfProblem(v, HOLIDAY_RULES))(o.onHoliday));
    if (o.rectification !== undefined) {
      const r = o.rectification;
      if (!isObject(r)) add('obligation.rectification', 'is not a rectification order');
      else {
        add('obligation.rectification.after', offsetProblem(r.after));
        add('obligation.rectification.deadline', offsetProblem(r.deadline));
        audiencesProblems(add, 'obligation.rectification.notify', r.notify);
      }
    }
    if (o.review !== undefined) {
      const r = o.review;
      if (!isObject(r)) add('obligation.review', 'is not a review');
      else {
        add('obligation.review.due', offsetProblem(r.due));
        eachOf(add, 'obligation.review.reminders', r.reminders, (x, f) => add(f, offsetProblem(x)));
        if (r.escalation !== undefined) escalationProblems(add, 'obligation.review.escalation', r.escalation);
      }
    }
  }
  if (problems.length > 0) return problems;

  // The fields are sound: the steps are worked out as the deadline will, and must be instants.
  try {
    const d = input as unknown as DeadlineInput;
    initialSteps(d).forEach((s, i) => {
      add(`steps[${i}] (${s.step}).at`, instantProblem(s.at));
      if (s.deadline !== undefined) add(`steps[${i}] (${s.step}).deadline`, instantProblem(s.deadline));
    });
  } catch (err) {
    add('obligation', `its steps cannot be worked out (${(err as Error)?.message ?? String(err)})`);
  }
  return problems;
}

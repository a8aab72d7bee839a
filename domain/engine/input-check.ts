/**
 * The campaign's input, checked again by the workflow that is to use it. The command line, the
 * web service and the rehearsal validate plans and organisations at the edge, but a workflow takes
 * whatever its starter sent: a plan with `due: { at: '2010-02-30' }` once reached the calendar,
 * whose TypeError failed the campaign's workflow task on every attempt, so the campaign stayed
 * RUNNING and answered nothing. With these checks the workflow fails at once, for good, naming the
 * field (workflows/campaign.ts).
 *
 * Plain functions over the fields the engine reads, without zod (it stays out of the workflow
 * bundle): the dates and date-times the calendar parses, the offsets it adds, the zone, the
 * keys, and the organisation's shape.
 */
import { IANAZone } from 'luxon';
import { dateProblem, localDateTimeProblem } from '../dates';
import { idProblem } from '../ids';
import { MAX_OFFSET_YEARS, offsetWithin, parseOffset } from '../offsets';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const HH_MM = /^([01]\d|2[0-3]):[0-5]\d$/;

function offsetProblem(v: unknown): string | undefined {
  if (typeof v !== 'string') return 'is not an offset';
  try {
    parseOffset(v);
  } catch {
    return `"${v.slice(0, 40)}" is not an offset`;
  }
  return offsetWithin(v, MAX_OFFSET_YEARS) ? undefined : `"${v}" spans more than ${MAX_OFFSET_YEARS} years`;
}

/**
 * Every problem of a campaign's plan and organisation, each as `<field>: <what is wrong>`; none for
 * usable input. `orgByReference`: the plan alone (the organisation is stored, and checked where it is read).
 */
export function campaignInputProblems(plan: unknown, org: unknown, orgByReference = false): string[] {
  const problems: string[] = [];
  const add = (field: string, problem: string | undefined): void => {
    if (problem !== undefined) problems.push(`${field}: ${problem}`);
  };
  if (!isObject(plan)) return ['plan: is not a plan'];
  add('plan.id', typeof plan.id === 'string' ? idProblem('key', plan.id) : 'is missing');
  const zone = plan.timeZone;
  const zoneOk = typeof zone === 'string' && IANAZone.isValidZone(zone);
  if (!zoneOk) add('plan.timeZone', `is not a time zone (${String(zone).slice(0, 40)})`);
  if (isObject(plan.officeHours))
    for (const k of ['start', 'end'])
      if (!HH_MM.test(String(plan.officeHours[k]))) add(`plan.officeHours.${k}`, 'is not a time HH:mm');
  add('plan.openEndedHorizon', offsetProblem(plan.openEndedHorizon));

  const phases = Array.isArray(plan.phases) ? plan.phases : [];
  if (phases.length === 0) add('plan.phases', 'has no phase');
  phases.forEach((p: unknown, i) => {
    const at = `plan.phases[${i}]`;
    if (!isObject(p)) return add(at, 'is not a phase');
    add(`${at}.key`, typeof p.key === 'string' ? idProblem('key', p.key) : 'is missing');
    add(`${at}.start`, dateProblem(String(p.start)));
    if (p.end !== 'by-committee') add(`${at}.end`, dateProblem(String(p.end)));
  });

  const obligations = Array.isArray(plan.obligations) ? plan.obligations : [];
  obligations.forEach((o: unknown, i) => {
    const at = `plan.obligations[${i}]`;
    if (!isObject(o)) return add(at, 'is not an obligation');
    add(`${at}.key`, typeof o.key === 'string' ? idProblem('key', o.key) : 'is missing');
    if (!Array.isArray(o.phases)) add(`${at}.phases`, 'is not a list of phases');
    const due = isObject(o.due) ? o.due : undefined;
    if (!due) add(`${at}.due`, 'is missing');
    else if ('at' in due) {
      const text = String(due.at);
      add(
        `${at}.due.at`,
        text.includes('T') ? localDateTimeProblem(text, zoneOk ? zone : undefined) : dateProblem(text),
      );
    } else if ('afterEvent' in due) {
      // Opened by an event (openedBy): the calendar counts only this offset, from the event.
      add(`${at}.due.afterEvent`, offsetProblem(due.afterEvent));
      if (!isObject(o.openedBy)) add(`${at}.openedBy`, 'is missing for a due date counted from an event');
    } else add(`${at}.due.offset`, offsetProblem(due.offset));
    add(`${at}.opens`, offsetProblem(o.opens));
    const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
    list(o.reminders).forEach((r, j) => add(`${at}.reminders[${j}]`, offsetProblem(r)));
    list(o.escalation).forEach((e, j) => add(`${at}.escalation[${j}].after`, offsetProblem(isObject(e) && e.after)));
    if (isObject(o.rectification)) {
      add(`${at}.rectification.after`, offsetProblem(o.rectification.after));
      add(`${at}.rectification.deadline`, offsetProblem(o.rectification.deadline));
    }
    if (isObject(o.review)) {
      add(`${at}.review.due`, offsetProblem(o.review.due));
      list(o.review.reminders).forEach((r, j) => add(`${at}.review.reminders[${j}]`, offsetProblem(r)));
    }
  });

  if (orgByReference) return problems;
  return [...problems, ...orgProblems(org)];
}

/** Every problem of an organisation's shape, each as `org.<field>: <what is wrong>`. */
export function orgProblems(org: unknown): string[] {
  const problems: string[] = [];
  const add = (field: string, problem: string | undefined): void => {
    if (problem !== undefined) problems.push(`${field}: ${problem}`);
  };
  if (!isObject(org) || !isObject(org.units) || !Array.isArray(org.order))
    return [...problems, 'org: is not an organisation'];
  const units = org.units;
  if (typeof org.officeId !== 'string' || !isObject(units[org.officeId])) add('org.officeId', 'names no unit');
  org.order.forEach((id: unknown, i) => {
    if (typeof id !== 'string' || !isObject(units[id])) add(`org.order[${i}]`, 'names no unit');
  });
  return problems;
}

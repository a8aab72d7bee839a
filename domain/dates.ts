/**
 * Dates and local date-times as people write them in plans, behaviour files and requests, checked
 * to be real: a day the calendar has (2012-02-29 yes, 2010-02-29, 2010-02-30 and 2010-13-45 no),
 * and a local time the zone's clocks show (a time skipped when the clocks go forward, such as
 * 02:30 on 4 May 1986 in Asia/Shanghai, is not an instant). A shape check alone let 2010-02-30
 * through to the calendar, where luxon answers an invalid date with `null` and the campaign's
 * workflow failed on it for good.
 *
 * Pure and free of zod: the workflows check their input with it (domain/engine/input-check.ts);
 * the schemas' forms are in field-schemas.ts.
 *
 * The years are bounded as well: the calendar generates cycles day by day and quarter by quarter,
 * and a plan of the year 9999 would ask it for tens of thousands of them.
 */
import { DateTime, IANAZone } from 'luxon';
import { clip } from './errors';

export const FIRST_YEAR = 1970;
export const LAST_YEAR = 2100;

/**
 * Whether `zone` is a time zone the runtime knows. luxon's `IANAZone.isValidZone` builds an
 * `Intl.DateTimeFormat` on every call, and every deadline's input check asked it (1.6 % of the
 * workflow thread in the 100-branch rehearsal, profiled 2026-12-04); the answer for a name never
 * changes in a process, so the names found valid are kept. Not the others: a caller's garbage
 * would grow the set, and so would the case variants of a valid name, hence the bound.
 */
export function isTimeZone(zone: string): boolean {
  if (KNOWN_ZONES.has(zone)) return true;
  if (!IANAZone.isValidZone(zone)) return false;
  if (KNOWN_ZONES.size < KNOWN_ZONES_MAX) KNOWN_ZONES.add(zone);
  return true;
}
const KNOWN_ZONES = new Set<string>();
const KNOWN_ZONES_MAX = 1000;

/**
 * Whether `text` is an instant exactly as the engine writes one (`Date#toISOString`, luxon's UTC
 * `toISO()`: `2010-06-15T02:00:00.000Z`), a real instant of the years the calendar knows. A quick
 * answer for the instants every deadline's input carries by the dozen; `false` says only that
 * the text is not in that form, and a caller reads it the slow way (luxon), which names the problem.
 */
export function isEngineInstant(text: string): boolean {
  if (!ENGINE_INSTANT_SHAPE.test(text)) return false;
  const ms = Date.parse(text);
  // Date.parse rolls 2010-02-30 over into March: only a real date gives the same text back.
  if (!Number.isFinite(ms) || new Date(ms).toISOString() !== text) return false;
  const year = Number(text.slice(0, 4));
  return year >= FIRST_YEAR && year <= LAST_YEAR;
}
const ENGINE_INSTANT_SHAPE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const DATE_SHAPE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATE_TIME_SHAPE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/;

/** Why `text` (YYYY-MM-DD) is not a real calendar date, or undefined when it is one. */
export function dateProblem(text: string): string | undefined {
  const m = DATE_SHAPE.exec(text);
  if (!m) return `"${clip(text)}" is not a date YYYY-MM-DD`;
  return calendarProblem(text, Number(m[1]), Number(m[2]), Number(m[3]));
}

/**
 * Why `text` (YYYY-MM-DDTHH:mm[:ss], no offset) is not a real local instant in `zone`, or
 * undefined when it is one. Without a zone, only the calendar and the clock face are checked.
 */
export function localDateTimeProblem(text: string, zone?: string): string | undefined {
  const m = DATE_TIME_SHAPE.exec(text);
  if (!m) return `"${clip(text)}" is not a local date-time YYYY-MM-DDTHH:mm`;
  const [year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0] = m.slice(1).map((x) => Number(x ?? 0));
  const calendar = calendarProblem(text.slice(0, 10), year, month, day);
  if (calendar) return calendar;
  if (hour > 23 || minute > 59 || second > 59) return `"${text}" has no such time of day (00:00 to 23:59)`;
  if (zone === undefined || !isTimeZone(zone)) return undefined;
  const dt = DateTime.fromObject({ year, month, day, hour, minute, second }, { zone });
  // luxon moves a time the clocks skip forward; a time that moved did not exist.
  if (!dt.isValid || dt.hour !== hour || dt.minute !== minute || dt.day !== day)
    return `"${text}" does not exist in ${zone} (the clocks skip it)`;
  return undefined;
}

function calendarProblem(text: string, year: number, month: number, day: number): string | undefined {
  if (year < FIRST_YEAR || year > LAST_YEAR) return `"${text}" is outside the years ${FIRST_YEAR} to ${LAST_YEAR}`;
  if (month < 1 || month > 12) return `"${text}" has no month ${month}`;
  const days = DateTime.utc(year, month).daysInMonth!;
  if (day < 1 || day > days) return `"${text}" is not a day of the calendar (${year}-${pad(month)} has ${days} days)`;
  return undefined;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** Thrown when a request names an instant that is not one (`--until 2010-02-30T10:00`). */
export class InstantInputError extends Error {
  override readonly name = 'InstantInputError';
  readonly code = 'INSTANT_INVALID';
  constructor(
    readonly field: string,
    /** What is wrong, without the field: for callers that name the field their own way (the web's errors[]). */
    readonly problem: string,
  ) {
    super(`${field}: ${problem}`);
  }
}

/**
 * A request's instant to an ISO instant in UTC: a local date-time of the campaign's zone
 * (`2010-08-15T17:00`), or an ISO instant with its offset (`2010-08-15T09:00:00Z`). A date alone
 * means the start of that day. `field` names the option or field in the error.
 */
export function requestInstant(value: string, zone: string, field: string): string {
  if (!isTimeZone(zone)) throw new InstantInputError(field, `unknown time zone "${clip(zone)}"`);
  const local = DATE_SHAPE.test(value) ? `${value}T00:00` : value;
  if (DATE_TIME_SHAPE.test(local)) {
    const problem = localDateTimeProblem(local, zone);
    if (problem) throw new InstantInputError(field, problem);
    return DateTime.fromISO(local, { zone }).toUTC().toISO()!;
  }
  const withOffset = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/.exec(value);
  if (withOffset) {
    const problem = localDateTimeProblem(value.slice(0, 16));
    const dt = DateTime.fromISO(value, { setZone: true });
    if (!problem && dt.isValid) return dt.toUTC().toISO();
    throw new InstantInputError(field, problem ?? `"${clip(value)}" is not an instant`);
  }
  throw new InstantInputError(
    field,
    `"${clip(value)}" is not a date-time (expected e.g. 2010-08-15T17:00 in ${zone}, or 2010-08-15T09:00Z)`,
  );
}

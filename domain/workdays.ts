/**
 * The working-day calendar of China, make-up working days (调休) included, for 2004–2026: a
 * table generated from the `chinese-days` package (domain/workday-table.ts; the script that
 * writes it says why workflows do not load the package itself). 2010-09-19, a Sunday, was a
 * working day; 2012-04-02 was a holiday. Holiday names for notices: holiday-names.ts.
 */
import { DateTime } from 'luxon';
import { DAYS_OFF_ON_WEEKDAYS, FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR, WORKDAYS_ON_WEEKENDS } from './workday-table';

export { FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR };

const offWeekdays = new Set(DAYS_OFF_ON_WEEKDAYS.split(' '));
const weekendWorkdays = new Set(WORKDAYS_ON_WEEKENDS.split(' '));

/** `isoDate` is a civil date YYYY-MM-DD. Outside the known years, Monday to Friday. */
export function isWorkingDay(isoDate: string): boolean {
  const weekday = new Date(`${isoDate}T00:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  const year = Number(isoDate.slice(0, 4));
  if (year < FIRST_KNOWN_YEAR || year > LAST_KNOWN_YEAR) return !weekend;
  return weekend ? weekendWorkdays.has(isoDate) : !offWeekdays.has(isoDate);
}

export function isHoliday(isoDate: string): boolean {
  return !isWorkingDay(isoDate);
}

const plusDays = (isoDate: string, n: number): string =>
  DateTime.fromISO(isoDate, { zone: 'UTC' }).plus({ days: n }).toISODate()!;

/** The first working day on or after `isoDate`. */
export function nextWorkingDay(isoDate: string): string {
  let d = isoDate;
  while (!isWorkingDay(d)) d = plusDays(d, 1);
  return d;
}

/** The last working day on or before `isoDate`. */
export function previousWorkingDay(isoDate: string): string {
  let d = isoDate;
  while (!isWorkingDay(d)) d = plusDays(d, -1);
  return d;
}

/**
 * Moves `n` working days from `isoDate` (negative: backwards). The start day itself does not
 * count: "3 working days before Monday" is the Wednesday before, if all are working days.
 */
export function addWorkingDays(isoDate: string, n: number): string {
  let d = isoDate;
  const step = n < 0 ? -1 : 1;
  for (let left = Math.abs(n); left > 0;) {
    d = plusDays(d, step);
    if (isWorkingDay(d)) left -= 1;
  }
  return d;
}

/**
 * The working-day calendar of China, make-up working days (调休) included, from the
 * `chinese-days` package (pure JS with its data bundled, so it runs inside workflows). It
 * knows 2004–2026: 2010-09-19, a Sunday, was a working day; 2012-04-02 was a holiday.
 */
// The UMD build: Temporal's workflow bundler (webpack) cannot parse the package's ES build.
import { isWorkday, getDayDetail } from 'chinese-days/dist/index.min.js';
import { DateTime } from 'luxon';

export const FIRST_KNOWN_YEAR = 2004;
export const LAST_KNOWN_YEAR = 2026;

// Every deadline asks about the same few hundred dates, and chinese-days parses its tables on
// each call: remembered, the answers cost nothing. The cache holds at most a few decades of days.
const known = new Map<string, boolean>();
const MAX_REMEMBERED = 20_000;

/** `isoDate` is a civil date YYYY-MM-DD. Outside the known years, Monday to Friday. */
export function isWorkingDay(isoDate: string): boolean {
  let answer = known.get(isoDate);
  if (answer === undefined) {
    const year = Number(isoDate.slice(0, 4));
    answer =
      year < FIRST_KNOWN_YEAR || year > LAST_KNOWN_YEAR
        ? DateTime.fromISO(isoDate, { zone: 'UTC' }).weekday <= 5
        : isWorkday(isoDate);
    if (known.size >= MAX_REMEMBERED) known.clear();
    known.set(isoDate, answer);
  }
  return answer;
}

export function isHoliday(isoDate: string): boolean {
  return !isWorkingDay(isoDate);
}

/** The holiday's name (e.g. 清明) when the day is a public holiday, for notices. */
export function holidayName(isoDate: string): string | undefined {
  const year = Number(isoDate.slice(0, 4));
  if (year < FIRST_KNOWN_YEAR || year > LAST_KNOWN_YEAR) return undefined;
  const d = getDayDetail(isoDate);
  if (d.work) return undefined;
  const zh = d.name.split(',')[1];
  return zh && zh !== d.name ? zh : undefined;
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

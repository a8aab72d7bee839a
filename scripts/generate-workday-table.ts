/**
 * Writes domain/workday-table.ts from the `chinese-days` package: the weekdays that were days
 * off and the weekend days that were working days (调休), for the years the package knows.
 *
 * Why a table: Temporal's workflow sandbox evaluates the bundle's modules afresh for every
 * workflow it creates, and chinese-days builds its tables when its module is evaluated — about
 * 5 ms of the worker's single workflow thread for each of tens of thousands of deadlines. Two
 * short lists parse in microseconds. test/domain/calendar.test.ts checks every day of the known
 * years against the package, so a package update that changes a day fails until this is re-run:
 *   npx tsx scripts/generate-workday-table.ts
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { isWorkday } from 'chinese-days/dist/index.min.js';
import { FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR } from '../domain/workday-table';

const DAY = 86_400_000;
const offWeekdays: string[] = [];
const weekendWorkdays: string[] = [];
for (let t = Date.UTC(FIRST_KNOWN_YEAR, 0, 1); t <= Date.UTC(LAST_KNOWN_YEAR, 11, 31); t += DAY) {
  const date = new Date(t);
  const iso = date.toISOString().slice(0, 10);
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
  const working = isWorkday(iso);
  if (!weekend && !working) offWeekdays.push(iso);
  if (weekend && working) weekendWorkdays.push(iso);
}

const { version } = JSON.parse(readFileSync(require.resolve('chinese-days/package.json'), 'utf8')) as {
  version: string;
};
const list = (dates: string[]): string => {
  const lines: string[] = [];
  for (let i = 0; i < dates.length; i += 8) lines.push(`  '${dates.slice(i, i + 8).join(' ')}',`);
  return `[\n${lines.join('\n')}\n].join(' ')`;
};
const text = `/**
 * China's working-day exceptions, ${FIRST_KNOWN_YEAR}–${LAST_KNOWN_YEAR}, generated from chinese-days ${version} by
 * scripts/generate-workday-table.ts (which says why). Do not edit; re-run the script.
 */
export const FIRST_KNOWN_YEAR = ${FIRST_KNOWN_YEAR};
export const LAST_KNOWN_YEAR = ${LAST_KNOWN_YEAR};

/** Monday to Friday, but a public holiday. */
export const DAYS_OFF_ON_WEEKDAYS = ${list(offWeekdays)};

/** Saturday or Sunday, but a working day (调休). */
export const WORKDAYS_ON_WEEKENDS = ${list(weekendWorkdays)};
`;
const out = path.join(__dirname, '..', 'domain', 'workday-table.ts');
writeFileSync(out, text);
console.log(`${out}: ${offWeekdays.length} weekday holidays, ${weekendWorkdays.length} weekend working days`);

/**
 * The name of a public holiday (e.g. 清明), for notices that fall due on one. From the
 * `chinese-days` package directly: only the mail renderer asks, never a workflow (workdays.ts).
 */
// The UMD build, as for the table's generator: the package's ES build does not load here.
import { getDayDetail } from 'chinese-days/dist/index.min.js';
import { FIRST_KNOWN_YEAR, LAST_KNOWN_YEAR } from './workday-table';

/** The holiday's name when `isoDate` (YYYY-MM-DD) is a public holiday, else undefined. */
export function holidayName(isoDate: string): string | undefined {
  const year = Number(isoDate.slice(0, 4));
  if (year < FIRST_KNOWN_YEAR || year > LAST_KNOWN_YEAR) return undefined;
  const d = getDayDetail(isoDate);
  if (d.work) return undefined;
  const zh = d.name.split(',')[1];
  return zh && zh !== d.name ? zh : undefined;
}

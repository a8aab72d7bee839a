/**
 * A table of the audit or of the grading year, as the CLI prints it and the exports write it
 * (ledger/report.ts): a title, Chinese (or English) headers, rows, and the same rows as records.
 */
import { lateMinutesMs } from '../domain/format';

export type Locale = 'zh' | 'en';

export interface Table {
  /** The report's name (ledger/report.ts REPORTS), or `table4`/`table5` of the grading year. */
  name: string;
  locale: Locale;
  title: string;
  headers: string[];
  rows: (string | number)[][];
  /** The same rows as objects, for --json. */
  records: Record<string, unknown>[];
}

/** Days to one decimal, from lateness rounded to the minute (as every figure a person reads). */
export const lateDays = (ms: number): number => Math.round((lateMinutesMs(ms) / 86_400_000) * 10) / 10;

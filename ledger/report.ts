/**
 * The audit as tables shaped like an organisation department's 台帐: Chinese column headers,
 * lateness in days, instants in the campaign's zone. One table per report; the CLI prints
 * them, or writes CSV (with a BOM, so Excel reads the Chinese) or an XLSX workbook.
 */
import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { stringify } from 'csv-stringify/sync';
import { formatInstant, lateMinutesMs } from '../domain/format';
import type { AuditFilter, LateReview, LedgerStore, UnitLag } from './types';
import { buildGradeReport, GRADE_REPORTS } from './grade-reports';
import { lateDays as days, type Locale, type Table } from './table';
import { escalationLabel, lagRanking, laggingUnits, lateReviewers, openRectifications, unitHistory } from './audit';

export const REPORTS = ['lagging', 'ranking', 'reviewers', 'rectifications', 'unit', ...GRADE_REPORTS] as const;
export type ReportName = (typeof REPORTS)[number];
export type { Locale, Table };

/** Titles and column headers, in the language asked for (Chinese by default, as the office files them). */
const WORDS = {
  zh: {
    lagging: '迟交、未交单位统计（报送）',
    ranking: '滞后支部排名',
    reviewers: '领导点评迟交、未交明细',
    rectifications: '未完成的限期整改',
    unitHistory: (unit: string) => `${unit} 全部记录`,
    lagHeaders: [
      '序号',
      '单位',
      '单位编号',
      '所属党委',
      '应交次数',
      '迟交次数',
      '未交次数',
      '累计迟交(天)',
      '最长迟交(天)',
      '最高督办级别',
      '未完成整改',
    ],
    reviewHeaders: [
      '序号',
      '点评单位',
      '点评单位编号',
      '被点评单位',
      '被点评单位编号',
      '事项',
      '周期',
      '点评截止时间',
      '点评时间',
      '迟交(天)',
      '情况',
    ],
    rectificationHeaders: ['序号', '单位', '单位编号', '事项', '周期', '原截止时间', '整改期限', '是否逾期'],
    unitHeaders: ['时间', '身份', '类别', '事项', '周期', '步骤', '经办人', '说明', '迟交(天)'],
    late: '迟交',
    missing: '未交',
    yes: '是',
    no: '否',
    submitter: '报送',
    reviewer: '点评',
    none: '（无）',
  },
  en: {
    lagging: 'Late and missing reports, by unit',
    ranking: 'Most lagging branches',
    reviewers: 'Leader reviews given late or not at all',
    rectifications: 'Open rectification orders',
    unitHistory: (unit: string) => `Everything recorded for ${unit}`,
    lagHeaders: [
      'No.',
      'Unit',
      'Unit id',
      'Committee',
      'Due',
      'Late',
      'Missing',
      'Total late (days)',
      'Longest late (days)',
      'Highest escalation',
      'Open orders',
    ],
    reviewHeaders: [
      'No.',
      'Reviewer',
      'Reviewer id',
      'Reviewed unit',
      'Reviewed unit id',
      'Obligation',
      'Cycle',
      'Review due',
      'Reviewed at',
      'Late (days)',
      'Status',
    ],
    rectificationHeaders: ['No.', 'Unit', 'Unit id', 'Obligation', 'Cycle', 'Due', 'Order deadline', 'Overdue'],
    unitHeaders: ['At', 'Role', 'Kind', 'Obligation', 'Cycle', 'Step', 'By', 'Note', 'Late (days)'],
    late: 'late',
    missing: 'missing',
    yes: 'yes',
    no: 'no',
    submitter: 'submitter',
    reviewer: 'reviewer',
    none: '(none)',
  },
} as const;

function lagTable(name: ReportName, title: string, lags: UnitLag[], names: Map<string, string>, locale: Locale): Table {
  return {
    name,
    locale,
    title,
    headers: [...WORDS[locale].lagHeaders],
    rows: lags.map((l, i) => [
      i + 1,
      l.unitName,
      l.unitId,
      names.get(l.committeeId ?? '') ?? l.committeeId ?? '',
      l.deadlines,
      l.late,
      l.missing,
      days(l.totalLateMs),
      days(l.longestLateMs),
      escalationLabel(l.highestEscalation, locale),
      l.openRectifications,
    ]),
    records: lags.map((l) => ({
      ...l,
      totalLateMs: lateMinutesMs(l.totalLateMs),
      longestLateMs: lateMinutesMs(l.longestLateMs),
      totalLateDays: days(l.totalLateMs),
      longestLateDays: days(l.longestLateMs),
      highestEscalationLabel: escalationLabel(l.highestEscalation, 'en'),
    })),
  };
}

function reviewTable(reviews: LateReview[], zone: string, locale: Locale): Table {
  const w = WORDS[locale];
  const at = (iso: string | null): string => (iso ? formatInstant(iso, zone, locale) : '');
  return {
    name: 'reviewers',
    locale,
    title: w.reviewers,
    headers: [...w.reviewHeaders],
    rows: reviews.map((r, i) => [
      i + 1,
      r.reviewerName,
      r.reviewerId,
      r.reviewedUnitName,
      r.reviewedUnitId,
      r.obligationKey,
      r.cycleKey,
      at(r.dueAt),
      at(r.commentedAt),
      r.missing ? '' : days(r.lateMs),
      r.missing ? w.missing : w.late,
    ]),
    records: reviews.map((r) => ({ ...r, lateMs: lateMinutesMs(r.lateMs), lateDays: days(r.lateMs) })),
  };
}

export async function buildReport(
  store: LedgerStore,
  name: ReportName,
  f: AuditFilter & { unitId?: string; timeZone?: string; limit?: number; locale?: Locale },
): Promise<Table> {
  const zone = f.timeZone ?? 'Asia/Shanghai';
  const locale = f.locale ?? 'zh';
  const w = WORDS[locale];
  const names = new Map((await store.units(f.campaignId)).map((u) => [u.unitId, u.name]));
  switch (name) {
    case 'grade-distribution':
    case 'grade-changes':
    case 'grade-flags':
    case 'grade-rectifications':
      // A grading year is a yearly cycle: `--cycle 2012` picks it.
      return buildGradeReport(store, name, {
        ...f,
        locale,
        timeZone: zone,
        ...(f.cycleKey !== undefined && /^\d{4}$/.test(f.cycleKey) ? { year: Number(f.cycleKey) } : {}),
      });
    case 'lagging':
      return lagTable(name, w.lagging, await laggingUnits(store, f), names, locale);
    case 'ranking':
      return lagTable(name, w.ranking, await lagRanking(store, f, f.limit ?? 20), names, locale);
    case 'reviewers':
      return reviewTable(await lateReviewers(store, f), zone, locale);
    case 'rectifications': {
      const rows = await openRectifications(store, f);
      return {
        name,
        locale,
        title: w.rectifications,
        headers: [...w.rectificationHeaders],
        rows: rows.map((r, i) => [
          i + 1,
          r.unitName,
          r.unitId,
          r.obligationKey,
          r.cycleKey,
          r.dueAt ? formatInstant(r.dueAt, zone, locale) : '',
          formatInstant(r.rectificationDeadline, zone, locale),
          r.overdue ? w.yes : w.no,
        ]),
        records: rows as unknown as Record<string, unknown>[],
      };
    }
    case 'unit': {
      if (!f.unitId) throw new Error('the "unit" report needs --unit <id>');
      const events = await unitHistory(store, f.campaignId, f.unitId);
      return {
        name,
        locale,
        title: w.unitHistory(names.get(f.unitId) ?? f.unitId),
        headers: [...w.unitHeaders],
        rows: events.map((e) => [
          formatInstant(e.at, zone, locale),
          e.obligationKey?.endsWith('.review') ? w.reviewer : e.obligationKey ? w.submitter : '',
          e.kind,
          e.obligationKey ?? '',
          e.cycleKey ?? '',
          e.step ?? '',
          e.actor ?? '',
          e.reason ?? e.error ?? '',
          e.lateMs !== undefined ? days(e.lateMs) : '',
        ]),
        records: events.map((e) =>
          e.lateMs === undefined ? e : { ...e, lateMs: lateMinutesMs(e.lateMs) },
        ) as unknown as Record<string, unknown>[],
      };
    }
  }
}

export function tableText(t: Table): string {
  const cells = [t.headers, ...t.rows.map((r) => r.map(String))];
  const width = (s: string): number => [...s].reduce((w, ch) => w + (/[\u1100-\uffff]/.test(ch) ? 2 : 1), 0);
  const widths = t.headers.map((_, i) => Math.max(...cells.map((r) => width(String(r[i] ?? '')))));
  const line = (r: (string | number)[]): string =>
    r.map((c, i) => String(c) + ' '.repeat(widths[i]! - width(String(c)))).join('  ');
  return [t.title, line(t.headers), ...t.rows.map(line), t.rows.length === 0 ? WORDS[t.locale].none : '']
    .join('\n')
    .trimEnd();
}

/**
 * A cell as a spreadsheet will read it. Text that starts with `=`, `+`, `-`, `@`, a tab or a
 * carriage return is a formula to Excel and LibreOffice (a unit named `=HYPERLINK(…)` would be a
 * live link in the office's 台帐), so it gets a leading apostrophe and stays text, as OWASP's
 * "CSV Injection" page advises. Numbers are numbers, negative ones included.
 */
export function spreadsheetCell(value: string | number): string | number {
  return typeof value === 'string' && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
}

const spreadsheetRows = (t: Table): (string | number)[][] => [t.headers, ...t.rows].map((r) => r.map(spreadsheetCell));

export function tableCsv(t: Table): string {
  return '\uFEFF' + stringify(spreadsheetRows(t));
}

/** Thrown when an export would replace a file that is there already and `--force` was not given. */
export class ExportExistsError extends Error {
  override readonly name = 'ExportExistsError';
  readonly code = 'EXPORT_EXISTS';
  constructor(readonly file: string) {
    super(`${file} exists already; pass --force to overwrite it, or name another file`);
  }
}

/**
 * The workbook of some tables, one sheet each, shaped like the office's own: the title, then the
 * Chinese header row frozen (it stays while scrolling), columns as wide as their contents.
 */
export function xlsxWorkbook(tables: Table[]): ExcelJS.Workbook {
  const wb = new ExcelJS.Workbook();
  wb.creator = 'campaign-reminders';
  const taken = new Set<string>();
  for (const t of tables) {
    const ws = wb.addWorksheet(sheetName(t.title, taken), { views: [{ state: 'frozen', ySplit: 2 }] });
    ws.addRow([t.title]).font = { bold: true, size: 14 };
    const [headers = [], ...rows] = spreadsheetRows(t);
    const header = ws.addRow(headers);
    header.font = { bold: true };
    header.eachCell((c) => {
      c.fill = { type: 'pattern', pattern: 'solid', fgColor: { argb: 'FFE8E8E8' } };
      c.border = { bottom: { style: 'thin' } };
    });
    for (const r of rows) ws.addRow(r);
    ws.columns.forEach((col, i) => {
      col.width = Math.max(
        8,
        ...[t.headers[i] ?? '', ...t.rows.map((r) => String(r[i] ?? ''))].map((s) => s.length * 2),
      );
    });
  }
  return wb;
}

const SHEET_NAME_MAX = 31;
/** A sheet name of at most `max` UTF-16 units, cut between characters (never inside a surrogate pair). */
const cutTo = (text: string, max: number): string => {
  let out = '';
  for (const ch of text) {
    if (out.length + ch.length > max) break;
    out += ch;
  }
  return out;
};

/**
 * A worksheet name Excel (and ExcelJS, which throws otherwise) accepts, from a report's title: the
 * unit report's title holds the unit's name, which may have any of `/ \ [ ] ? * :`. Those become
 * `_`, an apostrophe may not begin or end it, it has at most 31 characters, and it differs from
 * every name in `taken` (Excel compares them without case): a second one gets ` (2)`, and so on.
 */
export function sheetName(title: string, taken: Set<string>): string {
  const clean =
    title
      .replace(/[/\\[\]?*:]/g, '_')
      .replace(/^'+|'+$/g, '')
      .trim() || 'Sheet';
  let name = cutTo(clean, SHEET_NAME_MAX).replace(/'+$/, '');
  for (let n = 2; taken.has(name.toLowerCase()); n++) {
    const suffix = ` (${n})`;
    name = `${cutTo(clean, SHEET_NAME_MAX - suffix.length).replace(/'+$/, '')}${suffix}`;
  }
  taken.add(name.toLowerCase());
  return name;
}

/** Writes the workbook; an existing file is replaced only with `force` (a plan file was lost to `--xlsx`). */
export async function writeXlsx(tables: Table[], file: string, opts: { force?: boolean } = {}): Promise<void> {
  const data = new Uint8Array(await xlsxWorkbook(tables).xlsx.writeBuffer());
  try {
    // 'wx' fails if the file exists, in the same call that creates it: no window between a check and the write.
    await writeFile(file, data, { flag: opts.force ? 'w' : 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') throw new ExportExistsError(file);
    throw err;
  }
}

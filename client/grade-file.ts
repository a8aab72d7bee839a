/**
 * Grade files as people fill them: CSV (UTF-8, a BOM allowed) or an Excel workbook (its first
 * sheet), with Chinese headers. The header row is the first of the first five rows that holds
 * the branch id column, so a sheet may start with a title (as tables 4 and 5 do).
 *
 * Columns (any order; other columns are ignored):
 * - 支部编号 the branch id (required);
 * - 等级 the grade (required); in a filled-in table 4, the step's own column is read instead
 *   (自评等级, 初评等级 or 学校定级);
 * - 变更理由 why a grade already given changes (optional);
 * - 越级理由 the office's reason to let a branch rise more than one grade (optional);
 * - 年度 the year (required in an import of past grades).
 * A missing column, an empty cell where a value is required, or a year that is not one is
 * refused naming the file, the row and the column; nothing is read in part.
 */
import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import type { FileIssue } from '../domain/errors';
import { GradeInputError, type GradeEntry, type GradingStep } from '../domain/grading';
import { spreadsheetCsvText } from '../domain/structured-file';

export const GRADE_COLUMNS = {
  unit: '支部编号',
  grade: '等级',
  reason: '变更理由',
  rise: '越级理由',
  year: '年度',
} as const;

/** The grade column of each step in table 4, which a committee may fill in and upload. */
export const TABLE4_GRADE_COLUMN: Record<GradingStep, string> = {
  self: '自评等级',
  preliminary: '初评等级',
  final: '学校定级',
};

/** Files larger than this are refused before they are read (a committee's sheet is a few KB). */
export const MAX_GRADE_FILE_BYTES = 2 * 1024 * 1024;

export interface GradeFile {
  entries: (GradeEntry & { year?: number; riseReason?: string })[];
  /** The names messages use for the columns. */
  fields: { unit: string; grade: string; reason: string };
}

const isXlsx = (b: Buffer): boolean => b.length > 4 && b.readUInt32LE(0) === 0x04034b50;

/** The cells of each row as text, with each row's number in the file (1-based). */
async function readRows(name: string, content: Buffer): Promise<{ line: number; cells: string[] }[]> {
  if (isXlsx(content)) {
    const wb = new ExcelJS.Workbook();
    try {
      await wb.xlsx.load(content as unknown as ExcelJS.Buffer);
    } catch (err) {
      throw new GradeInputError([
        { file: name, path: '', message: `not a readable Excel file: ${(err as Error).message}` },
      ]);
    }
    const ws = wb.worksheets[0];
    if (!ws) throw new GradeInputError([{ file: name, path: '', message: 'the workbook has no sheet' }]);
    const rows: { line: number; cells: string[] }[] = [];
    ws.eachRow({ includeEmpty: false }, (row, line) => {
      const cells: string[] = [];
      row.eachCell({ includeEmpty: true }, (cell, col) => {
        cells[col - 1] = cell.text.trim();
      });
      rows.push({ line, cells: Array.from(cells, (c) => c ?? '') });
    });
    return rows;
  }
  const text = spreadsheetCsvText(content);
  if (text.includes('\uFFFD') || text.includes('\u0000'))
    throw new GradeInputError([
      {
        file: name,
        path: '',
        message: 'neither an Excel workbook nor CSV in UTF-8 or GB18030 (save the sheet as .xlsx or CSV)',
      },
    ]);
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      info: true,
      relax_column_count: true,
      skip_empty_lines: true,
      trim: true,
    }) as unknown as {
      record: string[];
      info: { lines: number };
    }[];
  } catch (err) {
    const e = err as Error & { lines?: number };
    throw new GradeInputError([
      { file: name, ...(e.lines ? { line: e.lines } : {}), path: '', message: `not valid CSV: ${e.message}` },
    ]);
  }
  return records.map((r) => ({ line: r.info.lines, cells: r.record }));
}

/**
 * Reads the grades of a file. `step` picks table 4's grade column; `withYear` requires 年度 (an
 * import of past grades). Throws `GradeInputError` naming file, row and column.
 */
export async function readGradeFile(
  name: string,
  content: Buffer,
  opts: { step: GradingStep; withYear?: boolean },
): Promise<GradeFile> {
  if (content.length > MAX_GRADE_FILE_BYTES)
    throw new GradeInputError([{ file: name, path: '', message: `larger than ${MAX_GRADE_FILE_BYTES} bytes` }]);
  const rows = await readRows(name, content);
  const headerAt = rows.slice(0, 5).findIndex((r) => r.cells.includes(GRADE_COLUMNS.unit));
  const header = rows[headerAt];
  const issues: FileIssue[] = [];
  if (!header) {
    issues.push({
      file: name,
      line: rows[0]?.line ?? 1,
      path: GRADE_COLUMNS.unit,
      message: `the column is missing: no row of the first five has the header ${GRADE_COLUMNS.unit}`,
    });
    throw new GradeInputError(issues);
  }
  const col = (h: string): number => header.cells.indexOf(h);
  const gradeHeader = col(GRADE_COLUMNS.grade) >= 0 ? GRADE_COLUMNS.grade : TABLE4_GRADE_COLUMN[opts.step];
  const at = {
    unit: col(GRADE_COLUMNS.unit),
    grade: col(gradeHeader),
    reason: col(GRADE_COLUMNS.reason),
    rise: col(GRADE_COLUMNS.rise),
    year: col(GRADE_COLUMNS.year),
  };
  const missing = (h: string) =>
    issues.push({ file: name, line: header.line, path: h, message: 'the column is missing' });
  if (at.grade < 0) missing(`${GRADE_COLUMNS.grade}（或 ${TABLE4_GRADE_COLUMN[opts.step]}）`);
  if (opts.withYear && at.year < 0) missing(GRADE_COLUMNS.year);
  if (issues.length > 0) throw new GradeInputError(issues);

  const entries: GradeFile['entries'] = [];
  for (const r of rows.slice(headerAt + 1)) {
    const cell = (i: number): string => (i >= 0 ? (r.cells[i] ?? '').trim() : '');
    if (r.cells.every((c) => c.trim() === '')) continue;
    const entry: GradeFile['entries'][number] = { unitId: cell(at.unit), grade: cell(at.grade), row: r.line };
    if (!entry.unitId) {
      issues.push({ file: name, line: r.line, path: GRADE_COLUMNS.unit, message: 'is empty' });
      continue;
    }
    if (!entry.grade) {
      issues.push({ file: name, line: r.line, path: gradeHeader, message: 'is empty' });
      continue;
    }
    if (cell(at.reason)) entry.reason = cell(at.reason);
    if (cell(at.rise)) entry.riseReason = cell(at.rise);
    if (opts.withYear) {
      const y = cell(at.year).replace(/年$/, '');
      if (!/^\d{4}$/.test(y)) {
        issues.push({
          file: name,
          line: r.line,
          path: GRADE_COLUMNS.year,
          message: `"${cell(at.year)}" is not a year`,
        });
        continue;
      }
      entry.year = Number(y);
    }
    entries.push(entry);
  }
  if (issues.length > 0) throw new GradeInputError(issues);
  if (entries.length === 0)
    throw new GradeInputError([{ file: name, line: header.line, path: '', message: 'no grades below the header' }]);
  return {
    entries,
    fields: { unit: GRADE_COLUMNS.unit, grade: gradeHeader, reason: GRADE_COLUMNS.reason },
  };
}

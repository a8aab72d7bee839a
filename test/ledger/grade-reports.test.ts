/**
 * The grading year's reports and tables from a ledger whose answer is known by construction, on
 * SQLite and PostgreSQL: the distribution per committee, year and step; the branches that rose or
 * fell; the D flags for the next year; the rectification reports that C/D final grades opened,
 * each with its outcome (on time, late by how much, missing, open, never opened); tables 4 and 5
 * per committee; CSV and Excel as the audit writes them.
 */
import ExcelJS from 'exceljs';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import type { LedgerEvent, LedgerUnit } from '../../ledger/types';
import { buildReport, tableCsv, xlsxWorkbook } from '../../ledger/report';
import { gradeRectifications, gradingTables } from '../../ledger/grade-reports';
import { DEFAULT_GRADING_POLICY } from '../../domain/grading';
import { ledgerBackends } from '../helpers/postgres';

const C = 'grading';
const unit = (unitId: string, name: string, committeeId: string): LedgerUnit => ({
  campaignId: C,
  unitId,
  name,
  level: 'branch',
  kind: '教工',
  parentId: committeeId,
  committeeId,
});
const UNITS: LedgerUnit[] = [
  { campaignId: C, unitId: 'c1', name: '一党委', level: 'committee', committeeId: 'c1' },
  { campaignId: C, unitId: 'c2', name: '二党委', level: 'committee', committeeId: 'c2' },
  unit('a1', '甲一支部', 'c1'),
  unit('a2', '甲二支部', 'c1'),
  unit('a3', '甲三支部', 'c1'),
  unit('b1', '乙一支部', 'c2'),
  unit('b2', '乙二支部', 'c2'),
];
const AT = '2012-04-08T02:00:00.000Z';
const DAY = 86_400_000;

/** The rectification report the engine opened for a C/D branch, as its events record it. */
function report(unitId: string, committeeId: string, dueAt: string, submittedLateDays?: number): LedgerEvent[] {
  const base = { campaignId: C, obligationKey: 'grade-rectification', cycleKey: '2012', unitId, committeeId };
  const ev: LedgerEvent[] = [{ ...base, id: `${unitId}:opened`, kind: 'deadline-opened', at: AT, dueAt }];
  if (submittedLateDays !== undefined)
    ev.push({
      ...base,
      id: `${unitId}:submission`,
      kind: 'submission',
      at: new Date(Date.parse(dueAt) + submittedLateDays * DAY).toISOString(),
      dueAt,
      lateMs: Math.max(0, submittedLateDays * DAY),
    });
  return ev;
}

const backends = ledgerBackends('grade-reports');

describe.each(backends)('the grading reports on %s', (_name, urlFor) => {
  let ledger: SqlLedger;
  const asOf = '2012-06-01T00:00:00.000Z';
  beforeAll(async () => {
    ledger = await openSqlLedger(await urlFor());
    await ledger.upsertUnits(UNITS);
    const g = ledger.grades();
    const base = { campaignId: C, by: 'office', at: AT, sourceName: 'test', policy: DEFAULT_GRADING_POLICY };
    await g.importPast({
      ...base,
      year: 2011,
      step: 'final',
      entries: [
        { unitId: 'a1', grade: 'B' },
        { unitId: 'a2', grade: 'A' },
        { unitId: 'b1', grade: 'C' },
      ],
    });
    const office = { role: 'office' as const };
    await g.enter({
      ...base,
      year: 2012,
      step: 'preliminary',
      grader: office,
      source: 'cli',
      entries: ['B', 'B', 'C', 'B', 'D'].map((grade, i) => ({ unitId: ['a1', 'a2', 'a3', 'b1', 'b2'][i]!, grade })),
    });
    // Final: a1 rises B→A, a2 falls A→C, a3 C (new), b1 rises C→B, b2 D (new).
    await g.enter({
      ...base,
      year: 2012,
      step: 'final',
      grader: office,
      source: 'cli',
      entries: ['A', 'C', 'C', 'B', 'D'].map((grade, i) => ({ unitId: ['a1', 'a2', 'a3', 'b1', 'b2'][i]!, grade })),
    });
    // a2's report handed in 2 days late; a3's never (due in May); b2's due after asOf. b1's C of 2011
    // is imported: its rectification was a matter of that year, not of this campaign.
    await ledger.recordMany([
      ...report('a2', 'c1', '2012-05-08T15:59:59.999Z', 2),
      ...report('a3', 'c1', '2012-05-08T15:59:59.999Z'),
      ...report('b2', 'c2', '2012-07-08T15:59:59.999Z'),
    ]);
  });
  afterAll(async () => {
    await ledger?.close();
  });

  it('counts the distribution per committee, year and step, with the university’s total', async () => {
    const t = await buildReport(ledger, 'grade-distribution', { campaignId: C, cycleKey: '2012' });
    expect(t.headers).toEqual(['年度', '所属党委', '环节', 'A', 'B', 'C', 'D', '合计', 'A级占比(%)']);
    expect(t.rows).toEqual([
      [2012, '一党委', '基层党委初评', 0, 2, 1, 0, 3, 0],
      [2012, '二党委', '基层党委初评', 0, 1, 0, 1, 2, 0],
      [2012, '全校', '基层党委初评', 0, 3, 1, 1, 5, 0],
      [2012, '一党委', '学校党委定级', 1, 0, 2, 0, 3, 33.3],
      [2012, '二党委', '学校党委定级', 0, 1, 0, 1, 2, 0],
      [2012, '全校', '学校党委定级', 1, 1, 2, 1, 5, 20],
    ]);
  });

  it('names the branches that rose or fell, and the D flags for the next year', async () => {
    const changes = await buildReport(ledger, 'grade-changes', { campaignId: C });
    expect(changes.rows.map((r) => [r[2], r[4], r[5], r[7]])).toEqual([
      ['a1', 'B', 'A', '升1级'],
      ['a2', 'A', 'C', '降2级'],
      ['b1', 'C', 'B', '升1级'],
    ]);
    const flags = await buildReport(ledger, 'grade-flags', { campaignId: C, locale: 'en' });
    expect(flags.rows).toEqual([
      [1, '乙二支部', 'b2', '二党委', 2012, 2013, 'no performance award for its committee members'],
      [2, '乙二支部', 'b2', '二党委', 2012, 2013, 'its secretary is not promoted'],
    ]);
  });

  it('follows each rectification report the C/D final grades opened to its outcome', async () => {
    const r = await gradeRectifications(ledger, { campaignId: C, asOf });
    expect(r.map((x) => [x.unitId, x.grade, x.outcome, x.lateMs])).toEqual([
      ['a2', 'C', 'late', 2 * DAY],
      ['a3', 'C', 'missing', null],
      ['b2', 'D', 'open', null],
    ]);
    // Reports of another obligation are not these: each is "not opened".
    const none = await gradeRectifications(ledger, {
      campaignId: C,
      asOf,
      policy: { ...DEFAULT_GRADING_POLICY, rectificationObligation: 'other-key' },
    });
    expect(none.map((x) => x.outcome)).toEqual(['not-opened', 'not-opened', 'not-opened']);
  });

  it('writes tables 4 and 5 per committee, and CSV and Excel as the audit does', async () => {
    const [t4, t5] = await gradingTables(ledger, { campaignId: C, year: 2012, committeeId: 'c1', asOf });
    expect(t4.rows).toEqual([
      [1, '一党委', '甲一支部', 'a1', '教工', 'B', '', 'B', 'A', '升1级', ''],
      [2, '一党委', '甲二支部', 'a2', '教工', 'A', '', 'B', 'C', '降2级', ''],
      [3, '一党委', '甲三支部', 'a3', '教工', '', '', 'C', 'C', '首次定级', ''],
    ]);
    expect(t5.rows.map((r) => [r[3], r[4], r[8], r[9]])).toEqual([
      ['a2', 'C', '逾期2天提交', ''],
      ['a3', 'C', '逾期未交', ''],
    ]);
    expect(tableCsv(t5)).toMatch(
      /^\uFEFF序号,所属党委,党支部名称,支部编号,等级,定级时间,整改报告截止时间,整改报告提交时间,落实情况,限制措施\n/,
    );
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await xlsxWorkbook([t4, t5]).xlsx.writeBuffer());
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      '附表4 高等学校基层党支部分类定级汇总表（2012）',
      '附表5 高等学校基层党支部整改汇总表（2012）',
    ]);
    expect(wb.worksheets[1]!.getCell('G3').text).toBe('2012年5月8日（星期二）23:59');
  });
});

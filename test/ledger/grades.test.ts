/**
 * Grades in the ledger, on SQLite and PostgreSQL alike: a batch is all or nothing, every accepted
 * grade stays in the history, a change needs a reason, past grades import from CSV and Excel with
 * Chinese headers, and two writers cannot both take the last A of the share.
 */
import { readFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import type { GradeStore, EnterGradesRequest } from '../../ledger/grades';
import type { LedgerUnit } from '../../ledger/types';
import { DEFAULT_GRADING_POLICY, type GradingPolicy } from '../../domain/grading';
import { readGradeFile } from '../../client/grade-file';
import { ledgerBackends } from '../helpers/postgres';

const C = 'harbin-test';
const POLICY: GradingPolicy = {
  ...DEFAULT_GRADING_POLICY,
  obligations: { self: 'branch-self-evaluation', preliminary: 'committee-preliminary-grade' },
};

/** Committee c1 with 6 branches (1 A allowed), committee c2 with 5 (1 A allowed); 11 in all (2 A). */
const UNITS: LedgerUnit[] = [
  { campaignId: C, unitId: 'office', name: '组织部', level: 'office' },
  { campaignId: C, unitId: 'c1', name: '机械学院党委', level: 'committee', parentId: 'office', committeeId: 'c1' },
  { campaignId: C, unitId: 'c2', name: '计算机学院党委', level: 'committee', parentId: 'office', committeeId: 'c2' },
  ...[1, 2, 3, 4, 5, 6].map((i) => ({
    campaignId: C,
    unitId: `c1-b${i}`,
    name: `机械第${i}党支部`,
    level: 'branch',
    kind: '教工',
    parentId: 'c1',
    committeeId: 'c1',
  })),
  ...[1, 2, 3, 4, 5].map((i) => ({
    campaignId: C,
    unitId: `c2-b${i}`,
    name: `计算机第${i}党支部`,
    level: 'branch',
    kind: '学生',
    parentId: 'c2',
    committeeId: 'c2',
  })),
];

const AT = '2012-03-29T02:00:00.000Z';

function batch(over: Partial<EnterGradesRequest> & Pick<EnterGradesRequest, 'entries'>): EnterGradesRequest {
  return {
    campaignId: C,
    year: 2012,
    step: 'preliminary',
    grader: { role: 'committee', unitId: 'c1' },
    by: '机械学院党委 王书记',
    at: AT,
    source: 'cli',
    sourceName: '--grade',
    policy: POLICY,
    ...over,
  };
}

const c1 = (letters: string) => [...letters].map((g, i) => ({ unitId: `c1-b${i + 1}`, grade: g, row: i + 2 }));

async function xlsx(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('上年度定级');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/** Statements run on the database behind a ledger URL, past the ledger. */
async function rawSql(url: string, statements: string[]): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const db = new Database(url.slice('sqlite:'.length));
    for (const s of statements) db.exec(s);
    db.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  for (const s of statements) await client.query(s);
  await client.end();
}

const backends = ledgerBackends('grades');

describe.each(backends)('grades in the ledger on %s', (_name, urlFor) => {
  let ledger: SqlLedger;
  let grades: GradeStore;
  beforeEach(async () => {
    ledger = await openSqlLedger(await urlFor());
    await ledger.upsertUnits(UNITS);
    grades = ledger.grades();
  });
  afterEach(async () => {
    await ledger.close();
  });

  it('records a committee’s batch with who and when, as grades, history and events', async () => {
    const r = await grades.enter(batch({ entries: c1('ABBBCD') }));
    expect(r.recorded.map((g) => g.grade)).toEqual(['A', 'B', 'B', 'B', 'C', 'D']);
    expect(r.completeCommittees).toEqual(['c1']);
    expect(r.quotas).toEqual([
      { scope: 'c1', graded: 6, ceiling: 1, aCount: 1, over: false, overridden: false },
      { scope: 'c2', graded: 5, ceiling: 1, aCount: 0, over: false, overridden: false },
    ]);
    const [first] = await grades.grades(C, { year: 2012, step: 'preliminary', unitId: 'c1-b1' });
    expect(first).toEqual({
      campaignId: C,
      year: 2012,
      unitId: 'c1-b1',
      committeeId: 'c1',
      step: 'preliminary',
      grade: 'A',
      revision: 1,
      setBy: '机械学院党委 王书记',
      setAt: AT,
      source: 'cli',
      overrides: [],
    });
    expect(await grades.history(C, { unitId: 'c1-b1' })).toEqual([first]);
    const events = await ledger.events({ campaignId: C, kinds: ['grade'], unitId: 'c1-b6' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ cycleKey: '2012', step: 'grade-preliminary', actor: '机械学院党委 王书记' });
    expect(events[0]!.data).toMatchObject({ grade: 'D', revision: 1, step: 'preliminary' });
  });

  it('refuses a whole batch for one bad row, and changes nothing', async () => {
    await grades.enter(batch({ entries: c1('BBB') }));
    const before = await grades.history(C);
    await expect(
      grades.enter(batch({ entries: [...c1('BBBBB'), { unitId: 'c1-b6', grade: 'X', row: 7 }] })),
    ).rejects.toThrow(/--grade:7 grade: "X" is not a grade \(A, B, C or D\)/);
    // A quota breach (2 A of 6 where 1 is allowed) without the office: refused, nothing written.
    const twoA = [
      { unitId: 'c1-b4', grade: 'A', row: 2 },
      { unitId: 'c1-b5', grade: 'A', row: 3 },
    ];
    await expect(grades.enter(batch({ entries: twoA }))).rejects.toMatchObject({
      code: 'GRADE_INVALID',
      message: expect.stringContaining('2 A in committee c1 is over the share: at most 1 of 6'),
    });
    expect(await grades.history(C)).toEqual(before);
    expect(await ledger.events({ campaignId: C, kinds: ['grade'] })).toHaveLength(3);
  });

  it('keeps every accepted grade: a change needs a reason and adds a revision', async () => {
    await grades.enter(batch({ entries: [{ unitId: 'c1-b2', grade: 'B' }] }));
    await expect(grades.enter(batch({ entries: [{ unitId: 'c1-b2', grade: 'C', row: 3 }] }))).rejects.toThrow(
      /--grade:3 reason: branch c1-b2 already has B at this step: a change to C needs a reason/,
    );
    const again = await grades.enter(batch({ entries: [{ unitId: 'c1-b2', grade: 'B' }] }));
    expect(again).toMatchObject({ recorded: [], unchanged: ['c1-b2'] });
    await grades.enter(batch({ entries: [{ unitId: 'c1-b2', grade: 'C', reason: '测评结果复核后下调' }] }));
    const history = await grades.history(C, { unitId: 'c1-b2' });
    expect(history.map((h) => [h.revision, h.grade, h.previous, h.reason])).toEqual([
      [1, 'B', undefined, undefined],
      [2, 'C', 'B', '测评结果复核后下调'],
    ]);
    expect((await grades.grades(C, { unitId: 'c1-b2' }))[0]).toMatchObject({ grade: 'C', revision: 2 });
  });

  it('the office overrides the share with a reason, recorded on the grades', async () => {
    const r = await grades.enter(
      batch({
        entries: c1('AABBBB'),
        grader: { role: 'office' },
        by: 'office@example.org',
        quotaOverride: '经领导小组研究同意',
      }),
    );
    expect(r.quotas[0]).toMatchObject({ scope: 'c1', aCount: 2, ceiling: 1, over: true, overridden: true });
    const a = (await grades.grades(C, { step: 'preliminary' })).filter((g) => g.grade === 'A');
    expect(a.map((g) => [g.unitId, g.overrides, g.overrideReason])).toEqual([
      ['c1-b1', ['quota'], '经领导小组研究同意'],
      ['c1-b2', ['quota'], '经领导小组研究同意'],
    ]);
    const sheet = await grades.sheet(C, 2012, 'preliminary', POLICY, 'c1');
    expect(sheet.quotas).toEqual([{ scope: 'c1', graded: 6, ceiling: 1, aCount: 2, over: true, overridden: true }]);
  });

  it('a branch waived from its self-evaluation takes no grade and is not counted', async () => {
    await ledger.record({
      id: 'w1',
      campaignId: C,
      kind: 'waiver',
      at: AT,
      obligationKey: 'branch-self-evaluation',
      cycleKey: 'once',
      unitId: 'c1-b6',
      committeeId: 'c1',
      actor: 'office',
      reason: '支部撤销',
    });
    await expect(grades.enter(batch({ entries: [{ unitId: 'c1-b6', grade: 'B', row: 4 }] }))).rejects.toThrow(
      /--grade:4 unit: branch c1-b6 was waived from grading; it takes no grade/,
    );
    const r = await grades.enter(batch({ entries: c1('ABBBB') }));
    expect(r.completeCommittees).toEqual(['c1']);
    expect(r.quotas[0]).toMatchObject({ scope: 'c1', graded: 5, ceiling: 1 });
  });

  it('imports last year’s grades from CSV and Excel with Chinese headers; the rise rule then applies', async () => {
    const csv = Buffer.from(
      '\uFEFF年度,支部编号,支部名称,等级\n2011,c1-b1,机械第1党支部,C\n2011,c1-b2,机械第2党支部,B级\n',
    );
    const file = await readGradeFile('2011.csv', csv, { step: 'final', withYear: true });
    const imported = await grades.importPast({
      campaignId: C,
      year: 2011,
      step: 'final',
      entries: file.entries,
      by: 'office@example.org',
      at: AT,
      sourceName: '2011.csv',
      fields: file.fields,
      policy: POLICY,
    });
    expect(imported.recorded.map((g) => [g.unitId, g.grade, g.source])).toEqual([
      ['c1-b1', 'C', 'import'],
      ['c1-b2', 'B', 'import'],
    ]);
    const book = await xlsx([
      ['2011年度党支部分类定级结果'],
      ['年度', '支部编号', '等级'],
      [2011, 'c2-b1', 'A'],
      [2011, 'c2-b2', 'D'],
    ]);
    const fromXlsx = await readGradeFile('2011.xlsx', book, { step: 'final', withYear: true });
    // The same sheet saved by Excel on Chinese Windows as "CSV (逗号分隔)": GB18030, CRLF.
    const gb = await readFile(`${__dirname}/../fixtures/grades-2011-gb18030.csv`);
    expect((await readGradeFile('2011.csv', gb, { step: 'final', withYear: true })).entries).toEqual(file.entries);
    await expect(
      readGradeFile('2011.csv', Buffer.concat([gb, Buffer.from([0xff])]), { step: 'final', withYear: true }),
    ).rejects.toThrow('neither an Excel workbook nor CSV in UTF-8 or GB18030');
    expect(fromXlsx.entries).toEqual([
      { unitId: 'c2-b1', grade: 'A', row: 3, year: 2011 },
      { unitId: 'c2-b2', grade: 'D', row: 4, year: 2011 },
    ]);
    await grades.importPast({
      campaignId: C,
      year: 2011,
      step: 'final',
      entries: fromXlsx.entries,
      by: 'office@example.org',
      at: AT,
      sourceName: '2011.xlsx',
      policy: POLICY,
    });
    // c1-b1 was C in 2011: A would rise two grades.
    await expect(grades.enter(batch({ entries: [{ unitId: 'c1-b1', grade: 'A', row: 2 }] }))).rejects.toThrow(
      /branch c1-b1 was C last year: A rises more than one grade/,
    );
    const sheet = await grades.sheet(C, 2012, 'preliminary', POLICY, 'c2');
    expect(sheet.rows.map((r) => [r.unitId, r.lastYear ?? ''])).toEqual([
      ['c2-b1', 'A'],
      ['c2-b2', 'D'],
      ['c2-b3', ''],
      ['c2-b4', ''],
      ['c2-b5', ''],
    ]);
    expect(await grades.latestFinal(C, 'c2-b1')).toEqual({ grade: 'A', year: 2011 });
  });

  it('refuses a file with a missing column, naming the file, the header row and the column', async () => {
    const noGrade = Buffer.from('年度,支部编号,备注\n2011,c1-b1,好\n');
    await expect(readGradeFile('2011.csv', noGrade, { step: 'final', withYear: true })).rejects.toThrow(
      /2011\.csv:1 等级（或 学校定级）: the column is missing/,
    );
    const noYear = await xlsx([
      ['支部编号', '等级'],
      ['c1-b1', 'A'],
    ]);
    await expect(readGradeFile('past.xlsx', noYear, { step: 'final', withYear: true })).rejects.toThrow(
      /past\.xlsx:1 年度: the column is missing/,
    );
    const noUnit = Buffer.from('名称,等级\nx,A\n');
    await expect(readGradeFile('g.csv', noUnit, { step: 'preliminary' })).rejects.toThrow(
      /g\.csv:1 支部编号: the column is missing/,
    );
    const badYear = Buffer.from('年度,支部编号,等级\n去年,c1-b1,A\n');
    await expect(readGradeFile('y.csv', badYear, { step: 'final', withYear: true })).rejects.toThrow(
      /y\.csv:2 年度: "去年" is not a year/,
    );
  });

  it('two writers at once cannot both take the last A of the university’s share', async () => {
    // 11 branches: 2 A allowed university-wide. One is given; two batches race for the second.
    const office = { role: 'office' as const };
    await grades.enter(batch({ step: 'final', grader: office, entries: [{ unitId: 'c1-b1', grade: 'A' }] }));
    // Two stores over the one database (PostgreSQL: two connections of the pool, serialised by the
    // table lock; SQLite: one handle, serialised by the exclusive transaction). Across processes,
    // SQLite's BEGIN IMMEDIATE makes the second wait for the first.
    const results = await Promise.allSettled([
      grades.enter(batch({ step: 'final', grader: office, entries: [{ unitId: 'c1-b2', grade: 'A' }] })),
      ledger.grades().enter(batch({ step: 'final', grader: office, entries: [{ unitId: 'c2-b1', grade: 'A' }] })),
    ]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    const refusal = results.find((r): r is PromiseRejectedResult => r.status === 'rejected')!.reason as Error;
    expect(refusal.message).toMatch(/3 A across the university is over the share: at most 2 of 11 branches/);
    const a = (await grades.grades(C, { step: 'final' })).filter((g) => g.grade === 'A');
    expect(a).toHaveLength(2);
  });

  it('a ledger that ran a later migration first (009) still gets the grades’ 004', async () => {
    await grades.enter(batch({ entries: c1('B') }));
    // As a database migrated by a build without 004 leaves it: 009 done, 004 neither recorded nor run.
    const url = ledger.url;
    await ledger.close();
    await rawSql(url, [
      `DELETE FROM kysely_migration WHERE name = '004-grades'`,
      'DROP TABLE grade_history',
      'DROP TABLE grades',
    ]);
    ledger = await openSqlLedger(url);
    grades = ledger.grades();
    expect(await grades.grades(C)).toEqual([]);
    await grades.enter(batch({ entries: c1('C') }));
    expect((await grades.grades(C)).map((g) => g.grade)).toEqual(['C']);
  });

  it('events recorded while a batch of grades is written are kept', async () => {
    const writes = Array.from({ length: 20 }, (_, i) =>
      ledger.record({ id: `m${i}`, campaignId: C, kind: 'message-sent', at: AT, unitId: 'c1-b1' }),
    );
    const refused = grades.enter(batch({ entries: c1('AAAAAA') })).catch((e: Error) => e);
    await Promise.all(writes);
    expect(await refused).toBeInstanceOf(Error);
    expect(await ledger.events({ campaignId: C, kinds: ['message-sent'] })).toHaveLength(20);
  });
});

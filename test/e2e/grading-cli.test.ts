/**
 * The grading year from the command line, on the dev server with the service's worker: plan 002
 * rehearsed from Saturday 31 March 2012 (the preliminary grades were due the day before) for an
 * organisation of two committees (6 + 5 branches). Last year's grades are imported; bad files and
 * bad pairs are refused naming row and field with nothing recorded; a committee's batch closes its
 * preliminary-grade deadline; the office's final grades, over the university's share with an
 * override, close the university-grade deadlines; tables 4 and 5 and the audit read it back.
 */
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import { startDevStack, type DevStack } from '../helpers/dev-stack';
import type { CliRun } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const PLAN = path.join(ROOT, 'plans', '002-harbin.yaml');
const ORG = path.join(ROOT, 'test', 'fixtures', 'grading-org.yaml');
const C = 'harbin-2012';
const MECH = { committee: 'c-mech', by: '李书记' };
const INFO = { committee: 'c-info', by: '赵书记' };

async function workbook(rows: (string | number)[][]): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet('初评');
  for (const r of rows) ws.addRow(r);
  return Buffer.from(await wb.xlsx.writeBuffer());
}

describe('grading from the command line on the dev server', () => {
  let stack: DevStack;
  const cli = (args: string[]): Promise<CliRun> => stack.cli(args);
  const ok = (args: string[]): Promise<string> => stack.ok(args);
  const json = <T>(args: string[]): Promise<T> => stack.json<T>(args);
  const file = async (name: string, content: string | Buffer): Promise<string> => {
    const f = path.join(stack.dir, name);
    await writeFile(f, content);
    return f;
  };
  const openUnits = (obligation: string, expected: number): Promise<string[]> =>
    stack.openUnits(C, obligation, expected);
  /** `grade enter` for 2012, by a committee's secretary or, for the final grades, by the office. */
  const enter2012 = (who: { committee: string; by: string } | 'office', ...rest: string[]): string[] => [
    'grade',
    'enter',
    '--campaign',
    C,
    '--year',
    '2012',
    ...(who === 'office'
      ? ['--step', 'final', '--office', '--by', 'office@example.org']
      : ['--committee', who.committee, '--by', who.by]),
    ...rest,
  ];

  beforeAll(async () => {
    stack = await startDevStack({ name: 'grading-e2e' });
    await ok(['start', '--plan', PLAN, '--org', ORG, '--rehearse-from', '2012-03-31T09:00']);
  });
  afterAll(() => stack?.stop());

  it('imports last year, refuses bad input whole, closes the deadlines the grades answer, and tabulates them', async () => {
    expect(await openUnits('committee-preliminary-grade', 2)).toEqual(['c-info', 'c-mech']);
    expect(await openUnits('university-grade', 2)).toEqual(['c-info', 'c-mech']);

    // Last year's grades, CSV with Chinese headers.
    const past = await file(
      '2011.csv',
      '\uFEFF年度,支部编号,支部名称,等级\n2011,mech-1,机械学院第1党支部,C\n2011,info-1,信息学院第1党支部,B\n',
    );
    expect(await ok(['grade', 'import', '--campaign', C, '--file', past, '--by', 'office@example.org'])).toMatch(
      /已导入 2011 年 2 个等级/,
    );

    // The office waives info-5 from its self-evaluation: it takes no grade and is not counted.
    await ok(['waive', C, 'branch-self-evaluation', 'once', 'info-5', '--by', 'office', '--reason', '支部撤销合并']);

    // c-mech: mech-1 (C last year) to A, and 2 more A of 6 (1 allowed): refused, naming rows and fields.
    const over = await file(
      'mech-over.xlsx',
      await workbook([
        ['机械学院党委 党支部初评结果'],
        ['支部编号', '支部名称', '等级'],
        ['mech-1', '机械学院第1党支部', 'A'],
        ['mech-2', '机械学院第2党支部', 'A'],
        ['mech-3', '机械学院第3党支部', 'A'],
      ]),
    );
    const refused = await cli(enter2012(MECH, '--file', over));
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('error [GRADE_INVALID]');
    expect(refused.stderr).toContain(`${over}:3 等级: branch mech-1 was C last year: A rises more than one grade`);
    expect(refused.stderr).toContain(
      `${over}:5 等级: 2 A in committee c-mech is over the share: at most 1 of 6 branches (20 %, rounded down)`,
    );
    // A file without the grade column, an unknown letter, another committee's branch, a waived branch.
    const noColumn = await file('no-column.csv', '支部编号,支部名称\nmech-1,x\n');
    expect((await cli(enter2012(MECH, '--file', noColumn))).stderr).toContain(
      `${noColumn}:1 等级（或 初评等级）: the column is missing`,
    );
    const pairs = await cli(enter2012(INFO, '--grade', 'info-1=E', 'mech-2=B', 'info-5=B'));
    expect(pairs.stderr).toContain('--grade:1 --grade: "E" is not a grade (A, B, C or D)');
    expect(pairs.stderr).toContain('--grade:2 --grade: branch mech-2 belongs to committee c-mech, not to c-info');
    expect(pairs.stderr).toContain('--grade:3 --grade: branch info-5 was waived from grading; it takes no grade');
    const none = await json<{ rows: { grade?: string }[] }>(['grade', 'show', '--campaign', C, '--year', '2012']);
    expect(none.rows.filter((r) => r.grade)).toEqual([]);

    // c-mech's whole batch: recorded, and its preliminary-grade deadline closes (a day late).
    const good = await file('mech.csv', '支部编号,等级\nmech-1,B\nmech-2,A\nmech-3,B\nmech-4,B\nmech-5,C\nmech-6,D\n');
    const entered = await json<{
      recorded: unknown[];
      completeCommittees: string[];
      closings: { obligationKey: string; unitId: string; receipt?: { onTime: boolean } }[];
    }>(enter2012(MECH, '--file', good));
    expect(entered.recorded).toHaveLength(6);
    expect(entered.completeCommittees).toEqual(['c-mech']);
    expect(entered.closings).toEqual([
      expect.objectContaining({
        obligationKey: 'committee-preliminary-grade',
        unitId: 'c-mech',
        receipt: expect.objectContaining({ onTime: false }),
      }),
    ]);
    expect(await openUnits('committee-preliminary-grade', 1)).toEqual(['c-info']);
    // c-info grades 3 of its 4 graded branches (4 allow no A): its deadline stays open until the fourth.
    await ok(enter2012(INFO, '--grade', 'info-1=B', 'info-2=B', 'info-3=B'));
    expect(await openUnits('committee-preliminary-grade', 1)).toEqual(['c-info']);
    await ok(enter2012(INFO, '--grade', 'info-4=C'));
    expect(await openUnits('committee-preliminary-grade', 0)).toEqual([]);
    // A second grade for the same branch and step without a reason.
    const again = await cli(enter2012(INFO, '--grade', 'info-4=B'));
    expect(again.stderr).toContain(
      '--grade:1 --reason: branch info-4 already has C at this step: a change to B needs a reason',
    );

    // The office's final grades: 3 A of 10 graded (2 allowed) only with its override.
    const finals = 'mech-1=B mech-2=A mech-3=A mech-4=B mech-5=C mech-6=D info-1=A info-2=B info-3=B info-4=C'.split(
      ' ',
    );
    const noOverride = await cli(enter2012('office', '--grade', ...finals));
    expect(noOverride.stderr).toContain('3 A across the university is over the share: at most 2 of 10 branches');
    const final = await ok(
      enter2012('office', '--grade', ...finals, '--quota-override', '机械学院整体考核优秀，领导小组同意'),
    );
    expect(final).toMatch(/A级比例 全校：3\/10，上限 2（20%），超出（办公室已批准）/);
    expect(await openUnits('university-grade', 0)).toEqual([]);

    // The C and D final grades opened their branches' rectification reports (plan 002's openedBy).
    expect(await openUnits('grade-rectification', 3)).toEqual(['info-4', 'mech-5', 'mech-6']);

    // Only an A branch may be nominated as advanced.
    expect(await ok(['grade', 'nomination', '--campaign', C, '--unit', 'mech-2'])).toMatch(
      /mech-2 可推荐：2012年学校定级为 A/,
    );
    const notA = await cli(['grade', 'nomination', '--campaign', C, '--unit', 'mech-1']);
    expect(notA.code).toBe(1);
    expect(notA.stderr).toContain(
      'error [NOMINATION_REFUSED]: 不能推荐党支部 mech-1 为先进党支部：其最近一次学校定级（2012年）为 B',
    );

    // Tables 4 and 5 for c-mech, cell by cell.
    const xlsx = path.join(stack.dir, 'tables.xlsx');
    await ok(['grade', 'tables', '--campaign', C, '--year', '2012', '--committee', 'c-mech', '--xlsx', xlsx]);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(xlsx);
    const [t4, t5] = wb.worksheets;
    const cells = (ws: ExcelJS.Worksheet, row: number) => (ws.getRow(row).values as unknown[]).slice(1);
    expect(t4!.getCell('A1').text).toBe('附表4 高等学校基层党支部分类定级汇总表（2012）');
    expect(cells(t4!, 2)).toEqual([
      '序号',
      '所属党委',
      '党支部名称',
      '支部编号',
      '支部类别',
      '上年度等级',
      '自评等级',
      '初评等级',
      '学校定级',
      '升降',
      '备注',
    ]);
    expect(cells(t4!, 3)).toEqual([
      1,
      '机械学院党委',
      '机械学院第1党支部',
      'mech-1',
      '教工',
      'C',
      '',
      'B',
      'B',
      '升1级',
      '',
    ]);
    expect(cells(t4!, 5)).toEqual([
      3,
      '机械学院党委',
      '机械学院第3党支部',
      'mech-3',
      '教工',
      '',
      '',
      'B',
      'A',
      '首次定级',
      '超比例经批准：机械学院整体考核优秀，领导小组同意',
    ]);
    expect(t4!.rowCount).toBe(8);
    expect(t5!.getCell('A1').text).toBe('附表5 高等学校基层党支部整改汇总表（2012）');
    expect(cells(t5!, 3).slice(0, 5)).toEqual([1, '机械学院党委', '机械学院第5党支部', 'mech-5', 'C']);
    expect(cells(t5!, 4).slice(0, 5)).toEqual([2, '机械学院党委', '机械学院第6党支部', 'mech-6', 'D']);
    expect(cells(t5!, 4)[9]).toBe('班子成员不得享受绩效等奖励；党支部书记下一年度内不能提拔使用');
    // Each report is open, due a month after the grade.
    expect(cells(t5!, 3)[8]).toBe('整改中');
    expect(String(cells(t5!, 3)[6])).toMatch(/^2012年4月30日|^2012年5月/);

    // The audit: distribution, changes and flags, as JSON.
    const audit = await json<Record<string, Record<string, unknown>[]>>([
      'audit',
      '--campaign',
      C,
      '--report',
      'grade-distribution',
      '--cycle',
      '2012',
    ]);
    expect(audit['grade-distribution']).toContainEqual(
      expect.objectContaining({
        year: 2012,
        committeeId: null,
        step: 'final',
        A: 3,
        B: 4,
        C: 2,
        D: 1,
        total: 10,
        aSharePercent: 30,
      }),
    );
    expect(audit['grade-distribution']).toContainEqual(
      expect.objectContaining({
        year: 2012,
        committeeId: 'c-mech',
        step: 'preliminary',
        A: 1,
        B: 3,
        C: 1,
        D: 1,
        total: 6,
      }),
    );
    const changes = await json<Record<string, { unitId: string; change: number }[]>>([
      'audit',
      '--campaign',
      C,
      '--report',
      'grade-changes',
    ]);
    expect(changes['grade-changes']!.map((c) => [c.unitId, c.change])).toEqual([
      ['info-1', 1],
      ['mech-1', 1],
    ]);
    const flags = await json<Record<string, { unitId: string; appliesTo: number; flag: string }[]>>([
      'audit',
      '--campaign',
      C,
      '--report',
      'grade-flags',
    ]);
    expect(flags['grade-flags']).toEqual([
      { unitId: 'mech-6', committeeId: 'c-mech', gradedIn: 2012, appliesTo: 2013, flag: 'no-performance-award' },
      { unitId: 'mech-6', committeeId: 'c-mech', gradedIn: 2012, appliesTo: 2013, flag: 'secretary-not-promoted' },
    ]);
  });
});

/** The `audit` command run as a person runs it, on a seeded SQLite ledger: table, JSON, CSV, XLSX. */
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import ExcelJS from 'exceljs';
import { openLedger } from '../../ledger';

const ROOT = path.join(__dirname, '..', '..');
// No Temporal server at this address: the audit counts from --as-of or the wall clock.
const cli = (...args: string[]): string =>
  execFileSync('npx', ['tsx', 'client/cli/main.ts', 'audit', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', LANG: 'C.UTF-8', LC_ALL: '' },
  });
const fail = (...args: string[]): string => {
  try {
    cli(...args);
  } catch (err) {
    const e = err as { stderr: string; status: number };
    return `exit ${e.status}: ${String(e.stderr)}`;
  }
  return 'succeeded';
};
const AS_OF = ['--as-of', '2011-01-01T00:00:00Z'];

describe('the audit command', () => {
  let dir: string;
  let url: string;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'audit-cli-'));
    url = `sqlite:${path.join(dir, 'ledger.sqlite')}`;
    const l = await openLedger(url);
    await l.upsertUnits([
      { campaignId: 'c', unitId: 'b1', name: '机械学院教工第1党支部', level: 'branch', committeeId: 'c1' },
      { campaignId: 'c', unitId: 'b2', name: '信息学院学生第1党支部', level: 'branch', committeeId: 'c1' },
      { campaignId: 'c', unitId: 'c1', name: '机械工程学院党委', level: 'committee', committeeId: 'c1' },
    ]);
    const base = { campaignId: 'c', obligationKey: 'report', cycleKey: '2010-Q3', committeeId: 'c1' };
    await l.recordMany([
      {
        ...base,
        id: '1',
        kind: 'deadline-opened',
        unitId: 'b1',
        at: '2010-09-01T00:00:00.000Z',
        dueAt: '2010-09-25T15:59:59.000Z',
      },
      {
        ...base,
        id: '2',
        kind: 'submission',
        unitId: 'b1',
        at: '2010-09-28T03:59:59.000Z',
        dueAt: '2010-09-25T15:59:59.000Z',
        lateMs: 2.5 * 86_400_000 + 4, // a rehearsal's clock adds a few milliseconds
      },
      {
        ...base,
        id: '3',
        kind: 'deadline-opened',
        unitId: 'b2',
        at: '2010-09-01T00:00:00.000Z',
        dueAt: '2010-09-25T15:59:59.000Z',
      },
      { ...base, id: '4', kind: 'escalated', unitId: 'b2', at: '2010-09-28T00:30:00.000Z', step: 'escalation-2' },
      // The committee comments on b1's report three days late, and never on b2's.
      ...(['b1', 'b2'] as const).map((reviewed, i) => ({
        ...base,
        id: `r${i}`,
        kind: 'deadline-opened' as const,
        obligationKey: 'report.review',
        cycleKey: `2010-Q3:${reviewed}`,
        unitId: 'c1',
        at: '2010-09-26T00:00:00.000Z',
        dueAt: '2010-10-05T15:59:59.000Z',
      })),
      {
        ...base,
        id: 'r0-comment',
        kind: 'review-comment',
        obligationKey: 'report.review',
        cycleKey: '2010-Q3:b1',
        unitId: 'c1',
        at: '2010-10-08T15:59:59.000Z',
        dueAt: '2010-10-05T15:59:59.000Z',
        lateMs: 3 * 86_400_000,
      },
    ]);
    await l.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a table with Chinese headers', () => {
    const out = cli('--ledger', url, '--campaign', 'c', '--report', 'lagging', '--as-of', '2011-01-01T00:00:00Z');
    expect(out).toContain('迟交、未交单位统计');
    expect(out).toContain('统计截至 2011年1月1日（星期六）08:00（--as-of）');
    expect(out).toMatch(/机械学院教工第1党支部\s+b1\s+机械工程学院党委\s+1\s+1\s+0\s+2\.5\s+2\.5/);
    expect(out).toMatch(/信息学院学生第1党支部\s+b2\s+机械工程学院党委\s+1\s+0\s+1\s+0\s+0\s+第2级督办/);
  });

  it('keeps lateness as reviewer apart from lateness as submitter, naming the reviewed report', async () => {
    // The committee's late and missing comments do not make it a lagging unit.
    const lagging = cli('--ledger', url, '--campaign', 'c', '--report', 'lagging', ...AS_OF);
    expect(lagging).not.toContain('c1  ');
    expect(lagging).not.toMatch(/机械工程学院党委\s+c1/);
    const table = cli('--ledger', url, '--campaign', 'c', '--report', 'reviewers', ...AS_OF);
    expect(table).toContain('领导点评迟交、未交明细');
    expect(table).toMatch(/1\s+机械工程学院党委\s+c1\s+机械学院教工第1党支部\s+b1\s+report\s+2010-Q3\s.*\s3\s+迟交/);
    expect(table).toMatch(/2\s+机械工程学院党委\s+c1\s+信息学院学生第1党支部\s+b2\s+report\s+2010-Q3\s.*未交/);

    const json = JSON.parse(cli('--ledger', url, '--campaign', 'c', ...AS_OF, '--json')) as {
      lagging: { unitId: string }[];
      reviewers: Record<string, unknown>[];
    };
    expect(json.lagging.map((l) => l.unitId)).toEqual(['b1', 'b2']);
    expect(json.reviewers).toEqual([
      expect.objectContaining({ reviewerId: 'c1', reviewedUnitId: 'b1', cycleKey: '2010-Q3', lateDays: 3 }),
      expect.objectContaining({ reviewerId: 'c1', reviewedUnitId: 'b2', cycleKey: '2010-Q3', missing: true }),
    ]);

    const csv = cli('--ledger', url, '--campaign', 'c', '--report', 'reviewers', ...AS_OF, '--csv');
    expect(csv.split('\n')[0]).toBe(
      '\uFEFF序号,点评单位,点评单位编号,被点评单位,被点评单位编号,事项,周期,点评截止时间,点评时间,迟交(天),情况',
    );
    expect(csv).toContain('1,机械工程学院党委,c1,机械学院教工第1党支部,b1,report,2010-Q3,');

    const file = path.join(dir, 'reviewers.xlsx');
    cli('--ledger', url, '--campaign', 'c', '--report', 'reviewers', ...AS_OF, '--xlsx', file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    const row = wb.worksheets[0]!.getRow(3).values as unknown[];
    expect(row.slice(1, 8)).toEqual([1, '机械工程学院党委', 'c1', '机械学院教工第1党支部', 'b1', 'report', '2010-Q3']);
  });

  it('speaks English with --lang en or an English LANG, Chinese by default', () => {
    const en = cli('--ledger', url, '--campaign', 'c', '--report', 'reviewers', ...AS_OF, '--lang', 'en');
    expect(en).toContain('Leader reviews given late or not at all');
    expect(en).toContain('as of Sat 1 Jan 2011 08:00 (--as-of)');
    expect(en).not.toMatch(/[点评迟交]/);
    const byEnv = execFileSync(
      'npx',
      ['tsx', 'client/cli/main.ts', 'audit', '--ledger', url, '--campaign', 'c', ...AS_OF],
      {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, TEMPORAL_ADDRESS: '127.0.0.1:1', LANG: 'en_GB.UTF-8', LC_ALL: '' },
      },
    );
    expect(byEnv).toContain('Late and missing reports, by unit');
  });

  it('answers JSON for machines and CSV with a BOM for spreadsheets', () => {
    const json = JSON.parse(
      cli('--ledger', url, '--campaign', 'c', '--as-of', '2011-01-01T00:00:00Z', '--json'),
    ) as Record<string, { unitId: string; missing: number; longestLateMs: number; totalLateMs: number }[]>;
    expect(json.ranking!.map((r) => r.unitId)).toEqual(['b1', 'b2']);
    // Lateness as a person reads it, to the minute: 2.5 days, not 216,000,004 ms.
    expect(json.lagging!.find((r) => r.unitId === 'b1')).toMatchObject({
      longestLateMs: 2.5 * 86_400_000,
      totalLateMs: 2.5 * 86_400_000,
    });
    expect(json.lagging!.find((r) => r.unitId === 'b2')!.missing).toBe(1);
    const csv = cli(
      '--ledger',
      url,
      '--campaign',
      'c',
      '--report',
      'ranking',
      '--as-of',
      '2011-01-01T00:00:00Z',
      '--csv',
    );
    expect(csv.startsWith('\uFEFF序号,单位,单位编号,所属党委')).toBe(true);
  });

  it('refuses a time zone it does not know, naming --zone, with or without --as-of', () => {
    // Without --as-of it printed "as of Invalid DateTime" over the report.
    for (const asOf of [[], AS_OF]) {
      const out = fail('--ledger', url, '--campaign', 'c', '--report', 'lagging', '--zone', 'Nope/Nope', ...asOf);
      expect(out).toMatch(/^exit 1: /);
      expect(out).toContain('error [INSTANT_INVALID]: --zone: unknown time zone "Nope/Nope"');
      expect(out).not.toContain('Invalid DateTime');
    }
  });

  it('writes an Excel workbook, one sheet per report', async () => {
    const file = path.join(dir, 'audit.xlsx');
    cli('--ledger', url, '--campaign', 'c', '--as-of', '2011-01-01T00:00:00Z', '--xlsx', file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      '迟交、未交单位统计（报送）',
      '滞后支部排名',
      '领导点评迟交、未交明细',
      '未完成的限期整改',
    ]);
    expect(wb.worksheets[0]!.getRow(2).values).toEqual([
      undefined,
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
    ]);
  });

  it('names a bad report, an unknown campaign, a CSV of several reports, and masks a bad ledger URL', () => {
    expect(fail('--ledger', url, '--campaign', 'no-such', ...AS_OF)).toMatch(
      /^exit 1: error \[CAMPAIGN_NOT_FOUND\]: no campaign "no-such" in this ledger/,
    );
    expect(fail('--ledger', url, '--campaign', 'c', ...AS_OF, '--csv')).toMatch(
      /^exit 1: error: --csv writes one report: add --report/,
    );
    expect(fail('--ledger', url, '--campaign', 'c', '--report', 'gossip')).toContain(
      '--report must be one of lagging, ranking, reviewers, rectifications, unit',
    );
    expect(fail('--ledger', 'postgres://u:hunter2@127.0.0.1:1/x', '--campaign', 'c')).toMatch(
      /LEDGER_UNAVAILABLE.*postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x/,
    );
  });
});

/** The `audit` command run as a person runs it, on a seeded SQLite ledger: table, JSON, CSV, XLSX. */
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import ExcelJS from 'exceljs';
import { openLedger } from '../../ledger';

const ROOT = path.join(__dirname, '..', '..');
const cli = (...args: string[]): string =>
  execFileSync('npx', ['tsx', 'client/cli/main.ts', 'audit', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });

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
    ]);
    await l.close();
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints a table with Chinese headers', () => {
    const out = cli('--ledger', url, '--campaign', 'c', '--report', 'lagging', '--as-of', '2011-01-01T00:00:00Z');
    expect(out).toContain('迟交、未交单位统计');
    expect(out).toMatch(/机械学院教工第1党支部\s+b1\s+机械工程学院党委\s+1\s+1\s+0\s+2\.5\s+2\.5/);
    expect(out).toMatch(/信息学院学生第1党支部\s+b2\s+机械工程学院党委\s+1\s+0\s+1\s+0\s+0\s+第2级督办/);
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

  it('writes an Excel workbook, one sheet per report', async () => {
    const file = path.join(dir, 'audit.xlsx');
    cli('--ledger', url, '--campaign', 'c', '--as-of', '2011-01-01T00:00:00Z', '--xlsx', file);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      '迟交、未交单位统计',
      '滞后支部排名',
      '领导点评迟交统计',
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

  it('names a bad report and masks a bad ledger URL', () => {
    const fail = (...args: string[]): string => {
      try {
        cli(...args);
      } catch (err) {
        return String((err as { stderr: string }).stderr);
      }
      return 'succeeded';
    };
    expect(fail('--ledger', url, '--campaign', 'c', '--report', 'gossip')).toContain(
      '--report must be one of lagging, ranking, reviewers, rectifications, unit',
    );
    expect(fail('--ledger', 'postgres://u:hunter2@127.0.0.1:1/x', '--campaign', 'c')).toMatch(
      /LEDGER_UNAVAILABLE.*postgres:\/\/u:\*\*\*@127\.0\.0\.1:1\/x/,
    );
  });
});

/**
 * The nominees of a submission checked against the grades in a real SQLite ledger (client/nomination.ts):
 * an A branch is accepted and named in the submitted text, a B or ungraded branch is refused with
 * the Chinese-first message naming it and its grade, and bad nominees name the request field.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import type { LedgerUnit } from '../../ledger/types';
import { DEFAULT_GRADING_POLICY } from '../../domain/grading';
import { checkNominees, type NominationContext } from '../../client/nomination';

const C = 'changchun-test';
const branch = (unitId: string): LedgerUnit => ({
  campaignId: C,
  unitId,
  name: `${unitId} 党支部`,
  level: 'branch',
  kind: '教工',
  parentId: 'c1',
  committeeId: 'c1',
});
const UNITS: LedgerUnit[] = [
  { campaignId: C, unitId: 'office', name: '组织部', level: 'office' },
  { campaignId: C, unitId: 'c1', name: '机械学院党委', level: 'committee', parentId: 'office', committeeId: 'c1' },
  ...['b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map(branch),
];
const CTX: NominationContext = {
  campaignId: C,
  obligation: { key: 'nominations-2012', nominates: 'advanced-branch' },
  units: UNITS.map((u) => ({ id: u.unitId, level: u.level })),
};

describe('nominating advanced branches, checked against the ledger (SQLite)', () => {
  let dir: string;
  let ledger: SqlLedger;
  beforeAll(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'nomination-'));
    ledger = await openSqlLedger(`sqlite:${path.join(dir, 'ledger.sqlite')}`);
    await ledger.upsertUnits(UNITS);
    // Last year A for b2 (now B): the latest final grade is what counts.
    await ledger.grades().importPast({
      campaignId: C,
      year: 2011,
      step: 'final',
      by: '组织部',
      at: '2012-01-10T02:00:00.000Z',
      sourceName: 'past.csv',
      policy: DEFAULT_GRADING_POLICY,
      entries: [{ unitId: 'b2', grade: 'A', row: 2 }],
    });
    await ledger.grades().enter({
      campaignId: C,
      year: 2012,
      step: 'final',
      grader: { role: 'office' },
      by: '组织部 李部长',
      at: '2012-04-08T02:00:00.000Z',
      source: 'cli',
      sourceName: '--grade',
      policy: DEFAULT_GRADING_POLICY,
      entries: [
        { unitId: 'b1', grade: 'A' },
        { unitId: 'b2', grade: 'B' },
        { unitId: 'b3', grade: 'B' },
        { unitId: 'b4', grade: 'C' },
        { unitId: 'b5', grade: 'B' },
      ],
    });
  });
  afterAll(async () => {
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const check = (unitIds: string[], ctx: NominationContext = CTX): Promise<string> =>
    checkNominees(ledger.grades(), ctx, '推荐材料见附件', { unitIds, field: 'nominees' });

  it('accepts an A branch and names it in the submitted text', async () => {
    await expect(check(['b1'])).resolves.toBe('推荐材料见附件\n推荐先进党支部：b1');
  });

  it('refuses a branch whose latest final grade is B, though it was A the year before', async () => {
    await expect(check(['b1', 'b2'])).rejects.toMatchObject({
      code: 'NOMINATION_REFUSED',
      message: expect.stringMatching(/^不能推荐党支部 b2 为先进党支部：其最近一次学校定级（2012年）为 B，/) as unknown,
    });
  });

  it('refuses a branch with no grade, a unit that is not a branch, a bad id, a repeat', async () => {
    await expect(check(['b6'])).rejects.toThrow(/^不能推荐党支部 b6 为先进党支部：尚无学校定级/);
    await expect(check(['c1'])).rejects.toMatchObject({
      code: 'NOMINEE_INVALID',
      field: 'nominees',
      message: expect.stringContaining('nominees：c1 不是本次活动的党支部') as unknown,
    });
    await expect(check(['nobody'])).rejects.toMatchObject({ code: 'NOMINEE_INVALID' });
    await expect(check(['b 1'])).rejects.toThrow(/^nominees：“b 1”不是支部编号/);
    await expect(check(['b1', 'b1'])).rejects.toThrow(/nominees：b1 重复/);
  });

  it('refuses nominees on an obligation that nominates nobody', async () => {
    const ctx = { ...CTX, obligation: { key: 'summary-report' } };
    await expect(check(['b1'], ctx)).rejects.toThrow(/^nominees：summary-report 不是先进党支部推荐/);
  });
});

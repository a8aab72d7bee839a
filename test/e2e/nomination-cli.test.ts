/**
 * Nominating advanced branches from the command line, on the dev server with the service's worker:
 * plan 003 rehearsed from Friday 1 June 2012, when its 2012 commendation nominations
 * (`nominates: advanced-branch`) are open. Last year's university grades are imported; a branch
 * nominating an A branch is received, one nominating a B branch is refused with the Chinese-first
 * message and its deadline stays open (nothing recorded).
 */
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import { startDevStack, type DevStack } from '../helpers/dev-stack';
import type { CliRun } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const PLAN = path.join(ROOT, 'plans', '003-changchun.yaml');
const ORG = path.join(ROOT, 'test', 'fixtures', 'grading-org.yaml');
const C = 'changchun-2010';
const OB = 'nominations-2012';

describe('nominating advanced branches from the command line on the dev server', () => {
  let stack: DevStack;
  const cli = (args: string[]): Promise<CliRun> => stack.cli(args);
  const ok = (args: string[]): Promise<string> => stack.ok(args);
  const openUnits = (expected: number): Promise<string[]> => stack.openUnits(C, OB, expected);

  beforeAll(async () => {
    stack = await startDevStack({ name: 'nomination-e2e' });
    await ok(['start', '--plan', PLAN, '--org', ORG, '--rehearse-from', '2012-06-01T09:00']);
  });
  afterAll(() => stack?.stop());

  it('receives the nomination of an A branch and refuses that of a B branch, recording nothing', async () => {
    expect(await openUnits(11)).toContain('mech-3');
    const past = path.join(stack.dir, '2011.csv');
    await writeFile(
      past,
      '\uFEFF年度,支部编号,支部名称,等级\n2011,mech-1,机械学院第1党支部,A\n2011,mech-2,机械学院第2党支部,B\n',
    );
    expect(await ok(['grade', 'import', '--campaign', C, '--file', past, '--by', 'office@example.org'])).toMatch(
      /已导入 2011 年 2 个等级/,
    );
    const submit = (unit: string, nominee: string): Promise<CliRun> =>
      cli(['submit', C, OB, 'once', unit, '--by', '书记', '--text', '推荐材料见附件', '--nominee', nominee]);

    const accepted = await submit('mech-3', 'mech-1');
    expect(accepted.stderr).toBe('');
    expect(accepted.code).toBe(0);
    expect(accepted.stdout).toMatch(/已收到 .*：按时/);

    const refused = await submit('mech-4', 'mech-2');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(
      'error [NOMINATION_REFUSED]: 不能推荐党支部 mech-2 为先进党支部：其最近一次学校定级（2011年）为 B，推荐评选先进党支部必须从A级党支部中产生',
    );
    const unknown = await submit('mech-4', 'c-mech');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('--nominee：c-mech 不是本次活动的党支部');

    const open = await openUnits(10);
    expect(open).toContain('mech-4');
    expect(open).not.toContain('mech-3');
  });
});

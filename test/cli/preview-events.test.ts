/** `preview` of plan 002: the obligations opened by an event are shown as "opened when …", in Chinese and English. */
import path from 'node:path';
import { runCli } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const PLAN = path.join(ROOT, 'plans', '002-harbin.yaml');
const ORG = path.join(ROOT, 'test', 'fixtures', 'harbin-org.yaml');

describe('preview of obligations opened by events', () => {
  it('says in Chinese when each opens, and counts its deadline and ladder from the event', async () => {
    const r = await runCli(['--lang', 'zh', 'preview', PLAN]);
    expect(r.stderr).toBe('');
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith('对标整改报告（C、D级党支部）  [grade-rectification，因事件开启]'));
    expect(at).toBeGreaterThan(0);
    expect(lines.slice(at + 1, at + 3)).toEqual([
      '  学校党委考评定级为 C、D 级时开启（每个党支部每年一次）',
      '  报送：党支部 → 上级党组织',
    ]);
    expect(r.stdout).toMatch(/截止\s+事件后1个月，当日结束，遇节假日顺延至下一工作日/);
    expect(r.stdout).toMatch(
      /限期整改通知\s+截止后7个工作日 {2}→ 本单位、上级党组织、活动领导小组办公室 {2}整改期限：通知后10个工作日/,
    );
    expect(r.stdout).toContain('  新任党支部书记任命时开启（每次任命一次）');
    expect(r.stdout).toMatch(/截止\s+事件后6个月，当日结束/);
    expect(r.stdout).toMatch(/第1次提醒\s+截止前1个月/);
    // The calendar opens no cycle of either: they are listed only as opened by events.
    expect(r.stdout).not.toContain('[grade-rectification/');
    expect(r.stdout).not.toContain('[secretary-training/');
  });

  it('says it in English, lists the units it may open for, and gives it in --json', async () => {
    const en = await runCli(['--lang', 'en', 'preview', PLAN, '--org', ORG]);
    expect(en.stderr).toBe('');
    expect(en.stdout).toContain('  opened when the university’s grade of a branch is C or D (once a year per branch)');
    expect(en.stdout).toContain('  opened when a new branch secretary is appointed (once per appointment)');
    expect(en.stdout).toMatch(/due\s+6 months after the event, at the end of that day, moved to the next working day/);
    expect(en.stdout).toMatch(/escalation 1\s+2 working days after the due date {2}→ the unit, its parent/);
    expect(en.stdout).toContain('units it may open for (11): b-mat-t1, b-mat-t2,');
    const json = JSON.parse((await runCli(['preview', PLAN, '--json'])).stdout) as {
      cycles: { obligationKey: string }[];
      openedByEvents: { key: string; openedBy: unknown; due: unknown }[];
    };
    expect(json.openedByEvents.map((o) => [o.key, o.openedBy, o.due])).toEqual([
      [
        'grade-rectification',
        { event: 'graded', grades: ['C', 'D'], step: 'final' },
        { afterEvent: '+1M', time: 'end-of-day' },
      ],
      ['secretary-training', { event: 'secretary-appointed' }, { afterEvent: '+6M', time: 'end-of-day' }],
    ]);
    expect(json.cycles.map((c) => c.obligationKey)).not.toContain('grade-rectification');
  });
});

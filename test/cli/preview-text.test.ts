/**
 * `preview` as a person reads it: one language at a time (the plan's English where it has it,
 * its Chinese marked where it has none), each reviewer named with the units whose reports it
 * reviews, no empty heading under --unit, and a review's own escalation ladder.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';
import { loadPlanFile, SHIPPED_PLANS } from '../../plans/load';
import type { Plan } from '../../domain/plan-schema';
import { CHINESE_ONLY } from '../../client/cli/commands/preview';
import { runCli } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const SAMPLE_ORG = path.join(ROOT, 'plans', 'orgs', 'sample-university.yaml');
const MINI_PLAN = path.join(ROOT, 'test', 'fixtures', 'mini-plan.yaml');
const MINI_ORG = path.join(ROOT, 'test', 'fixtures', 'mini-org.yaml');

/** Chinese characters and the full-width punctuation that comes with them. */
const CJK = /[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]/;

/** The plan's texts that have no English form: the only Chinese an English preview may print. */
function chineseOnly(plan: Plan): string[] {
  const texts: string[] = [];
  if (!plan.titleEn) texts.push(plan.title);
  for (const ob of plan.obligations) {
    if (!ob.titleEn) texts.push(ob.title);
    if (ob.review && !ob.review.titleEn) texts.push(ob.review.title);
    if (ob.dateNote && !ob.dateNoteEn) texts.push(ob.dateNote);
  }
  return texts;
}

/** A section of a preview: from the line that starts with `head` to the next blank line. */
function section(text: string, head: string): string[] {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith(head));
  if (at < 0) throw new Error(`no line starts with ${head}`);
  const end = lines.indexOf('', at);
  return lines.slice(at, end < 0 ? undefined : end);
}

describe('preview in English', () => {
  it.each(SHIPPED_PLANS.map((f) => [path.basename(f), f]))(
    '%s: no Chinese but the plan’s texts that have no English, each marked',
    async (_name, planFile) => {
      const plan = await loadPlanFile(planFile);
      const r = await runCli(['--lang', 'en', 'preview', planFile, '--org', SAMPLE_ORG]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      let rest = r.stdout;
      for (const text of chineseOnly(plan)) rest = rest.split(`${text} ${CHINESE_ONLY}`).join('');
      const stray = rest.split('\n').filter((l) => CJK.test(l));
      expect(stray).toEqual([]);
      // The English titles are the ones shown (a Chinese title would have been a stray line above).
      for (const ob of plan.obligations.filter((o) => o.titleEn && o.openedBy === undefined))
        expect(r.stdout).toContain(`${ob.titleEn} · `);
      for (const p of plan.phases) expect(r.stdout).toContain(`  ${p.label}  `);
      for (const ob of plan.obligations.filter((o) => o.dateNoteEn))
        expect(r.stdout).toContain(`date note: ${ob.dateNoteEn}`);
    },
  );

  it('marks a title the plan gives only in Chinese', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'preview-en-'));
    try {
      const plan = parse(await readFile(MINI_PLAN, 'utf8')) as { obligations: { key: string; titleEn?: string }[] };
      delete plan.obligations.find((o) => o.key === 'quarterly-report')!.titleEn;
      const file = path.join(dir, 'plan.yaml');
      await writeFile(file, stringify(plan));
      const r = await runCli(['--lang', 'en', 'preview', file]);
      expect(r.stdout).toContain(`季度工作汇报 ${CHINESE_ONLY} · Q3 2010  [quarterly-report/2010-Q3, phase engage]`);
      expect(r.stdout).toContain(`创先争优测试活动 ${CHINESE_ONLY} (mini), Asia/Shanghai`);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('preview names the reviewed units', () => {
  const PLAN_000 = path.join(ROOT, 'plans', '000-hnust.yaml');

  it('lists, per reviewer, the units whose reports it reviews', async () => {
    const r = await runCli(['preview', PLAN_000, '--org', SAMPLE_ORG]);
    const json = JSON.parse((await runCli(['preview', PLAN_000, '--org', SAMPLE_ORG, '--json'])).stdout) as {
      deadlines: { role: string; id: string; unitId: string; reviewedUnitId?: string }[];
    };
    // The reviews of 2010-Q3 branch reports, grouped by reviewer as the calendar opens them.
    const expected = new Map<string, string[]>();
    for (const d of json.deadlines)
      if (d.role === 'review' && d.id.startsWith('hnust-2010/branch-quarterly-report.review/2010-Q3/'))
        expected.set(d.unitId, [...(expected.get(d.unitId) ?? []), d.reviewedUnitId!]);
    expect(expected.size).toBeGreaterThan(1);
    const lines = section(r.stdout, '党支部创先争优活动季度汇报 · 2010年第三季度');
    const heading = lines.indexOf(`    点评单位 (${expected.size}):`);
    expect(heading).toBeGreaterThan(0);
    expect(lines.slice(heading + 1)).toEqual(
      [...expected].map(
        ([reviewer, reviewed]) => `      ${reviewer} 点评 ${reviewed.length} 份：${reviewed.join(', ')}`,
      ),
    );
    expect(lines.slice(heading + 1).join('\n')).toContain('      c-mech 点评 7 份：b-mech-01, b-mech-02,');
  });

  it('under --unit, shows who reviews the unit’s reports and whose it reviews, with no empty heading', async () => {
    const r = await runCli(['preview', PLAN_000, '--org', SAMPLE_ORG, '--unit', 'c-mech']);
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).not.toMatch(/\(0\):/);
    // Its own report, reviewed by the office.
    expect(section(r.stdout, '直属党委（总支）创先争优活动季度汇报 · 2010年第三季度')).toEqual(
      expect.arrayContaining(['  报送单位 (1): c-mech', '    点评单位 (1):', '      office 点评 1 份：c-mech']),
    );
    // Its branches' reports, which it reviews: it hands in none of them.
    const branches = section(r.stdout, '党支部创先争优活动季度汇报 · 2010年第三季度');
    expect(branches.some((l) => l.startsWith('  报送单位'))).toBe(false);
    expect(branches).toContain(
      '      c-mech 点评 7 份：b-mech-01, b-mech-02, b-mech-03, b-mech-04, b-mech-05, b-mech-06, b-mech-07',
    );
  });
});

describe('preview of a review with its own reminders and escalation', () => {
  it('shows the review’s escalation ladder under the review', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'preview-review-'));
    try {
      const plan = parse(await readFile(MINI_PLAN, 'utf8')) as {
        obligations: { key: string; review?: Record<string, unknown> }[];
      };
      plan.obligations.find((o) => o.key === 'quarterly-report')!.review!.escalation = [
        { after: '+2d', notify: ['unit'] },
        { after: '+5d', notify: ['unit', 'parent', 'office'] },
      ];
      const file = path.join(dir, 'plan.yaml');
      await writeFile(file, stringify(plan));
      const r = await runCli(['--lang', 'en', 'preview', file, '--org', MINI_ORG]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      const cycle = section(r.stdout, 'Quarterly report · Q3 2010');
      const review = cycle.slice(cycle.findIndex((l) => l.startsWith('  leader review: Leader review')));
      // The report is due Sat 25 Sept 2010; the review 10 days later, Tue 5 October, in the
      // National Day holiday (kept, flagged). Two days after it is still the holiday, so the
      // first step waits for Fri 8 October's office hours; five days after is Sun 10 October,
      // so the second goes out on Monday the 11th.
      expect(review).toEqual(
        expect.arrayContaining([
          '    due                  Tue 5 Oct 2010 23:59 (note: a day off)',
          '    escalation 1         Fri 8 Oct 2010 08:30  → the unit',
          '    escalation 2         Mon 11 Oct 2010 08:30  → the unit, its parent, the office',
        ]),
      );
      // Without the ladder in the plan there is none in the preview.
      const plain = section(
        (await runCli(['--lang', 'en', 'preview', MINI_PLAN])).stdout,
        'Quarterly report · Q3 2010',
      );
      expect(plain.slice(plain.findIndex((l) => l.startsWith('  leader review'))).join('\n')).not.toContain(
        'escalation',
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

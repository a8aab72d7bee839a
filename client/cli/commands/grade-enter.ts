/**
 * `grade enter`: a committee enters its preliminary grades for its branches at once (a CSV or
 * Excel file, or `--grade` pairs), the office the university's; a branch its self-evaluation.
 * The rules are checked on the whole batch in the ledger (nothing is recorded when one row is
 * refused); then the step's deadline closes through the ordinary submission and the campaign
 * hears of each grade (a C/D final grade opens the branch's rectification report).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { checkId } from '../../../domain/ids';
import type { Grader } from '../../../domain/grading';
import { enterGrades, type EnterOutcome } from '../../grading';
import { readGradeFile } from '../../grade-file';
import { campaignClient, type CommonOptions } from '../campaign-command';
import {
  checkCampaign,
  gradeOptions,
  pairs,
  quotaLines,
  stepName,
  stepOf,
  withGrades,
  yearOf,
  type GradeOptions,
} from '../grade-command';
import { say } from '../lang';

interface EnterOptions extends GradeOptions, CommonOptions {
  by: string;
  office?: boolean;
  committee?: string;
  branch?: string;
  file?: string;
  grade?: string[];
  reason?: string[];
  rise?: string[];
  quotaOverride?: string;
}

function graderOf(o: EnterOptions): Grader {
  const given = [o.office, o.committee, o.branch].filter((x) => x !== undefined);
  if (given.length !== 1) throw new Error('say who grades: exactly one of --office, --committee <id>, --branch <id>');
  if (o.committee !== undefined) return { role: 'committee', unitId: checkId('unit', o.committee, '--committee') };
  if (o.branch !== undefined) return { role: 'branch', unitId: checkId('unit', o.branch, '--branch') };
  return { role: 'office' };
}

async function entriesOf(o: EnterOptions, step: ReturnType<typeof stepOf>) {
  if ((o.file === undefined) === (o.grade === undefined))
    throw new Error('give the grades either as --file <csv|xlsx> or as --grade <branch>=<A|B|C|D>…, not both');
  const reasons = new Map(pairs(o.reason, '--reason').map((p) => [p.unitId, p.value]));
  const rises = new Map(pairs(o.rise, '--rise').map((p) => [p.unitId, p.value]));
  if (o.file !== undefined) {
    const f = await readGradeFile(o.file, await readFile(o.file), { step });
    const entries = f.entries.map((e) => ({
      ...e,
      ...(reasons.has(e.unitId) ? { reason: reasons.get(e.unitId) } : {}),
      ...(rises.has(e.unitId) ? { riseReason: rises.get(e.unitId) } : {}),
    }));
    return { entries, sourceName: o.file, fields: f.fields };
  }
  const entries = pairs(o.grade, '--grade').map((p, i) => ({
    unitId: p.unitId,
    grade: p.value,
    row: i + 1,
    ...(reasons.has(p.unitId) ? { reason: reasons.get(p.unitId) } : {}),
    ...(rises.has(p.unitId) ? { riseReason: rises.get(p.unitId) } : {}),
  }));
  return { entries, sourceName: '--grade', fields: { unit: '--grade', grade: '--grade', reason: '--reason' } };
}

function outcomeText(r: EnterOutcome, step: string, year: number, share: number): string {
  const lines = [
    say(
      `已记录 ${r.recorded.length} 个等级（${step}，${year}年）${r.unchanged.length > 0 ? `，${r.unchanged.length} 个与已记录相同` : ''}`,
      `recorded ${r.recorded.length} grades (${step}, ${year})${r.unchanged.length > 0 ? `, ${r.unchanged.length} as already recorded` : ''}`,
    ),
    ...r.recorded.map(
      (g) =>
        `  ${g.unitId}  ${g.previous ? `${g.previous}→` : ''}${g.grade}${g.overrides.length > 0 ? `  [${g.overrides.join(', ')}: ${g.overrideReason ?? ''}]` : ''}${g.reason ? `  (${g.reason})` : ''}`,
    ),
    ...quotaLines(r.quotas, share, new Map()),
  ];
  for (const c of r.closings)
    lines.push(
      c.receipt
        ? say(
            `已关闭 ${c.obligationKey} ${c.cycleKey ?? ''} ${c.unitId}：${c.receipt.onTime ? '按时' : '逾期'}`,
            `closed ${c.obligationKey} ${c.cycleKey ?? ''} ${c.unitId}: ${c.receipt.onTime ? 'on time' : 'late'}`,
          )
        : say(
            `未关闭 ${c.obligationKey} ${c.unitId}：${c.problem}`,
            `not closed ${c.obligationKey} ${c.unitId}: ${c.problem}`,
          ),
    );
  for (const n of r.notices) {
    for (const o of n.opened)
      lines.push(
        say(
          `已开启 ${o.obligationKey} ${o.cycleKey} ${o.unitId}（${n.grade}）`,
          `opened ${o.obligationKey} ${o.cycleKey} ${o.unitId} (${n.grade})`,
        ),
      );
    if (n.problem && (n.grade === 'C' || n.grade === 'D'))
      lines.push(
        say(
          `未能通知活动 ${n.unitId}（${n.grade}）：${n.problem}`,
          `campaign not told of ${n.unitId} (${n.grade}): ${n.problem}`,
        ),
      );
  }
  return lines.join('\n');
}

export function registerGradeEnter(grade: Command): void {
  gradeOptions(grade.command('enter').description("enter a step's grades for many branches at once (all or nothing)"))
    .option(
      '--address <host:port>',
      'Temporal server (default: TEMPORAL_ADDRESS, the TEMPORAL_PROFILE profile, or 127.0.0.1:7233)',
    )
    .option('--step <step>', 'self, preliminary (default) or final')
    .requiredOption('--by <who>', 'who enters the grades')
    .option('--office', 'the campaign office enters them (needed for final grades and overrides)')
    .option('--committee <id>', 'the committee entering its branches’ grades')
    .option('--branch <id>', 'the branch entering its self-evaluation')
    .option('--file <file>', 'a CSV or Excel file with the columns 支部编号 and 等级 (变更理由, 越级理由 optional)')
    .option('--grade <branch=grade...>', 'grades on the command line, e.g. --grade c-mech-1=A c-mech-2=B')
    .option('--reason <branch=text...>', 'why a grade already recorded changes')
    .option('--rise <branch=text...>', 'office: why a branch may rise more than one grade')
    .option('--quota-override <text>', 'office: why the A share may be exceeded')
    .action(async (o: EnterOptions) => {
      const campaignId = checkCampaign(o.campaign);
      const year = yearOf(o.year);
      const step = stepOf(o.step, 'preliminary');
      const grader = graderOf(o);
      const { entries, sourceName, fields } = await entriesOf(o, step);
      const cc = await campaignClient(o);
      const r = await withGrades(o, (ledger) =>
        enterGrades(ledger.grades(), cc, {
          campaignId,
          year,
          step,
          entries,
          grader,
          by: o.by,
          source: o.file !== undefined ? 'upload' : 'cli',
          sourceName,
          fields,
          ...(o.quotaOverride !== undefined ? { quotaOverride: o.quotaOverride } : {}),
        }),
      );
      console.log(o.json ? JSON.stringify(r, null, 2) : outcomeText(r, stepName(step), year, r.policy.aSharePercent));
    });
}

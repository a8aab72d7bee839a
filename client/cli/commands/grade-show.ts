/** `grade show`: a step's sheet: every branch (of a committee, or all), last year's grade, this year's, and the A share. */
import type { Command } from 'commander';
import { checkId } from '../../../domain/ids';
import {
  checkCampaign,
  gradeOptions,
  quotaLines,
  readableCampaign,
  stepName,
  stepOf,
  withGrades,
  yearOf,
  type GradeOptions,
} from '../grade-command';
import { pad } from '../words';
import { say } from '../lang';

export function registerGradeShow(grade: Command): void {
  gradeOptions(grade.command('show').description("a step's grades with last year's and the A share"))
    .option('--step <step>', 'self, preliminary (default) or final')
    .option('--committee <id>', 'only the branches of this committee')
    .action(async (o: GradeOptions & { committee?: string }) => {
      const campaignId = checkCampaign(o.campaign);
      const year = yearOf(o.year);
      const step = stepOf(o.step, 'preliminary');
      const committee = o.committee === undefined ? undefined : checkId('unit', o.committee, '--committee');
      const { policy } = await readableCampaign(campaignId);
      const { sheet, names } = await withGrades(o, async (ledger) => ({
        sheet: await ledger.grades().sheet(campaignId, year, step, policy, committee),
        names: new Map((await ledger.units(campaignId)).map((u) => [u.unitId, u.name])),
      }));
      if (o.json) return console.log(JSON.stringify({ ...sheet, aSharePercent: policy.aSharePercent }, null, 2));
      const head = [say('支部编号', 'branch'), say('党支部', 'name'), say('上年度', 'last year'), stepName(step)];
      const lines = [
        say(`${year}年 ${stepName(step)}`, `${year} ${stepName(step)}`),
        [pad(head[0]!, 16), pad(head[1]!, 30), pad(head[2]!, 10), head[3]].join('  '),
        ...sheet.rows.map((r) =>
          [
            pad(r.unitId, 16),
            pad(r.name, 30),
            pad(r.lastYear ?? '—', 10),
            r.waived ? say('（免于定级）', '(waived)') : (r.grade ?? '—'),
          ].join('  '),
        ),
        ...quotaLines(sheet.quotas, policy.aSharePercent, names),
      ];
      console.log(lines.join('\n'));
    });
}

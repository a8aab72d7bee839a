/**
 * `grade tables`: 附表4 分类定级汇总表 and 附表5 整改汇总表 of a grading year, for one committee or
 * the whole university, as text, --json, or an Excel workbook (one sheet each).
 */
import type { Command } from 'commander';
import { checkId } from '../../../domain/ids';
import { gradingTables } from '../../../ledger/grade-reports';
import { tableText, writeXlsx } from '../../../ledger/report';
import { checkCampaign, gradeOptions, readableCampaign, withGrades, yearOf, type GradeOptions } from '../grade-command';
import { lang, say } from '../lang';

export function registerGradeTables(grade: Command): void {
  gradeOptions(grade.command('tables').description('tables 4 and 5 of a grading year (Excel with --xlsx)'))
    .option('--committee <id>', "one committee's tables (default: the whole university)")
    .option('--xlsx <file>', 'write an Excel workbook (refuses to replace an existing file)')
    .option('--force', 'with --xlsx: replace the file if it exists')
    .option('--zone <tz>', 'time zone for instants', 'Asia/Shanghai')
    .action(async (o: GradeOptions & { committee?: string; xlsx?: string; force?: boolean; zone: string }) => {
      const campaignId = checkCampaign(o.campaign);
      const year = yearOf(o.year);
      const committeeId = o.committee === undefined ? undefined : checkId('unit', o.committee, '--committee');
      const { policy, asOf } = await readableCampaign(campaignId);
      const tables = await withGrades(o, (ledger) =>
        gradingTables(ledger, { campaignId, year, committeeId, policy, asOf, locale: lang(), timeZone: o.zone }),
      );
      if (o.xlsx) {
        await writeXlsx(tables, o.xlsx, { force: o.force });
        console.log(say(`已写入 ${o.xlsx}`, `wrote ${o.xlsx}`));
      } else if (o.json) {
        console.log(JSON.stringify({ table4: tables[0].records, table5: tables[1].records }, null, 2));
      } else {
        console.log(tables.map(tableText).join('\n\n'));
      }
    });
}

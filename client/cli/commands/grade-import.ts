/**
 * `grade import`: last year's (or any past year's) grades from a CSV or Excel file with the
 * columns 年度, 支部编号 and 等级, so that a service started in the middle of a campaign knows
 * them. One year per file; all rows or none.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { DEFAULT_GRADING_POLICY, GradeInputError } from '../../../domain/grading';
import { readGradeFile, GRADE_COLUMNS } from '../../grade-file';
import { checkCampaign, stepOf, withGrades } from '../grade-command';
import { say } from '../lang';

export function registerGradeImport(grade: Command): void {
  grade
    .command('import')
    .description('import past grades (年度, 支部编号, 等级) from CSV or Excel, all rows or none')
    .requiredOption('--campaign <id>', 'campaign id')
    .requiredOption('--file <file>', 'a CSV or Excel file')
    .requiredOption('--by <who>', 'who imports them')
    .option('--step <step>', 'the step the grades were given at: final (default), preliminary or self')
    .option('--ledger <url>', 'ledger URL (default: LEDGER_URL or sqlite:.data/ledger.sqlite)')
    .option('--json', 'machine-readable output')
    .action(
      async (o: { campaign: string; file: string; by: string; step?: string; ledger?: string; json?: boolean }) => {
        const campaignId = checkCampaign(o.campaign);
        const step = stepOf(o.step, 'final');
        const f = await readGradeFile(o.file, await readFile(o.file), { step, withYear: true });
        const year = f.entries[0]!.year!;
        const other = f.entries.find((e) => e.year !== year);
        if (other)
          throw new GradeInputError([
            {
              file: o.file,
              ...(other.row !== undefined ? { line: other.row } : {}),
              path: GRADE_COLUMNS.year,
              message: `${other.year} differs from the first row's ${year}: one year per file`,
            },
          ]);
        const r = await withGrades(o, (ledger) =>
          ledger.grades().importPast({
            campaignId,
            year,
            step,
            entries: f.entries,
            by: o.by,
            at: new Date().toISOString(),
            sourceName: o.file,
            fields: f.fields,
            policy: DEFAULT_GRADING_POLICY,
          }),
        );
        console.log(
          o.json
            ? JSON.stringify(r, null, 2)
            : say(
                `已导入 ${year} 年 ${r.recorded.length} 个等级${r.unchanged.length > 0 ? `（${r.unchanged.length} 个已有，未变）` : ''}`,
                `imported ${r.recorded.length} grades of ${year}${r.unchanged.length > 0 ? ` (${r.unchanged.length} already there, unchanged)` : ''}`,
              ),
        );
      },
    );
}

/**
 * `grade nomination`: whether a branch may be nominated as an advanced branch (推荐评选先进党支部，
 * 必须从A级党支部中产生): its latest final grade must be A. Nominations are handed in as ordinary
 * submissions (free text), so the check is offered here and in the API for the office to apply.
 */
import type { Command } from 'commander';
import { checkNomination } from '../../../domain/grading';
import { checkId } from '../../../domain/ids';
import { checkCampaign, withGrades } from '../grade-command';
import { say } from '../lang';

export function registerGradeNomination(grade: Command): void {
  grade
    .command('nomination')
    .description('may this branch be nominated as advanced? (only A in its latest grading; exit 1 if not)')
    .requiredOption('--campaign <id>', 'campaign id')
    .requiredOption('--unit <id>', 'the branch')
    .option('--ledger <url>', 'ledger URL (default: LEDGER_URL or sqlite:.data/ledger.sqlite)')
    .option('--json', 'machine-readable output')
    .action(async (o: { campaign: string; unit: string; ledger?: string; json?: boolean }) => {
      const campaignId = checkCampaign(o.campaign);
      const unitId = checkId('unit', o.unit, '--unit');
      const latest = await withGrades(o, (ledger) => ledger.grades().latestFinal(campaignId, unitId));
      checkNomination(unitId, latest);
      console.log(
        o.json
          ? JSON.stringify({ unitId, eligible: true, latest }, null, 2)
          : say(
              `${unitId} 可推荐：${latest!.year}年学校定级为 A`,
              `${unitId} may be nominated: graded A in ${latest!.year}`,
            ),
      );
    });
}

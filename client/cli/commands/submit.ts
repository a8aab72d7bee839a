/** `submit <campaign> <obligation> <cycle> <unit>`: records a unit's submission and prints the receipt. */
import type { Command } from 'commander';
import { formatInstant, formatLateness } from '../../../domain/format';
import { campaignClient, deadlineArgs, print, withCommon, type CommonOptions } from '../campaign-command';
import { lang, say } from '../lang';
import { withGrades } from '../grade-command';
import { submitNomination } from '../../nomination';

export function registerSubmit(program: Command): void {
  withCommon(
    deadlineArgs(
      program
        .command('submit')
        .description("record a unit's submission; prints the receipt (on time, or late by how long)"),
    )
      .requiredOption('--by <who>', 'who submits')
      .requiredOption('--text <text>', 'what is submitted')
      .option('--attach <ref...>', 'attachment references')
      .option('--nominee <unit...>', 'branches nominated as advanced (only A in their latest grading)')
      .option('--ledger <url>', "ledger URL for the nominees' grades (default: LEDGER_URL)"),
  ).action(
    async (
      campaignId: string,
      ob: string,
      cycle: string,
      unit: string,
      o: CommonOptions & { by: string; text: string; attach?: string[]; nominee?: string[]; ledger?: string },
    ) => {
      const cc = await campaignClient(o);
      const req = { by: o.by, text: o.text, attachments: o.attach };
      const target = { campaignId, obligationKey: ob, cycleKey: cycle, unitId: unit };
      const nominees = o.nominee && { unitIds: o.nominee, field: '--nominee' };
      const r = nominees
        ? await withGrades(o, (ledger) => submitNomination(cc, ledger.grades(), target, req, nominees))
        : await cc.submit(campaignId, ob, cycle, unit, req);
      const zone = (await cc.directory(campaignId)).timeZone;
      const at = formatInstant(r.receivedAt, zone, lang());
      const late = formatLateness(r.lateMs, lang());
      print(o, r, () =>
        r.onTime
          ? say(`已收到 ${at}：按时`, `received ${at}: on time`)
          : say(`已收到 ${at}：逾期 ${late}`, `received ${at}: late by ${late}`),
      );
    },
  );
}

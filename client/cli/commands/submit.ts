/** `submit <campaign> <obligation> <cycle> <unit>`: records a unit's submission and prints the receipt. */
import type { Command } from 'commander';
import { formatDuration, formatInstant, lateMinutesMs } from '../../../domain/format';
import { campaignClient, deadlineArgs, print, withCommon, type CommonOptions } from '../campaign-command';
import { lang, say } from '../lang';

export function registerSubmit(program: Command): void {
  withCommon(
    deadlineArgs(
      program
        .command('submit')
        .description("record a unit's submission; prints the receipt (on time, or late by how long)"),
    )
      .requiredOption('--by <who>', 'who submits')
      .requiredOption('--text <text>', 'what is submitted')
      .option('--attach <ref...>', 'attachment references'),
  ).action(
    async (
      campaignId: string,
      ob: string,
      cycle: string,
      unit: string,
      o: CommonOptions & { by: string; text: string; attach?: string[] },
    ) => {
      const cc = await campaignClient(o);
      const r = await cc.submit(campaignId, ob, cycle, unit, { by: o.by, text: o.text, attachments: o.attach });
      const zone = (await cc.directory(campaignId)).timeZone;
      const at = formatInstant(r.receivedAt, zone, lang());
      const late = formatDuration(lateMinutesMs(r.lateMs), lang());
      print(o, r, () =>
        r.onTime
          ? say(`已收到 ${at}：按时`, `received ${at}: on time`)
          : say(`已收到 ${at}：逾期 ${late}`, `received ${at}: late by ${late}`),
      );
    },
  );
}

/**
 * `stop <campaign>`: the office stops the campaign before its plan ends it. Nothing more opens,
 * every deadline still open is waived with the reason, and every unit is mailed.
 */
import type { Command } from 'commander';
import { formatInstant } from '../../../domain/format';
import { lang, say } from '../lang';
import { campaignClient, print, withCommon, type CommonOptions } from '../campaign-command';

export function registerStop(program: Command): void {
  withCommon(
    program
      .command('stop')
      .description(
        'the office stops the campaign before its plan ends: nothing more opens, every open deadline is waived with the reason, every unit is mailed',
      )
      .argument('<campaign>', 'campaign id')
      .requiredOption('--by <who>', 'who stops it')
      .requiredOption('--reason <why>', 'why (mailed to every unit)'),
  ).action(async (campaignId: string, o: CommonOptions & { by: string; reason: string }) => {
    const cc = await campaignClient(o);
    const stop = await cc.stop(campaignId, { by: o.by, reason: o.reason });
    const zone = (await cc.directoryWithoutUnits(campaignId)).timeZone;
    const at = formatInstant(stop.at, zone, lang());
    print(o, stop, () =>
      say(
        `活动 ${campaignId} 于 ${at} 终止（${stop.by}）：尚未报送的事项将一律免报，并通知各单位；待各批次处理完毕后活动结束。`,
        `campaign ${campaignId} stopped at ${at} by ${stop.by}: every open deadline is being waived and every unit mailed; the campaign ends once its batches have.`,
      ),
    );
  });
}

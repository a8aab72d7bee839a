/** `extend <campaign> <obligation> <cycle> <unit> --until …`: the office grants a new due instant. */
import type { Command } from 'commander';
import { say } from '../lang';
import {
  campaignClient,
  deadlineArgs,
  deadlineLine,
  instant,
  print,
  withCommon,
  type CommonOptions,
} from '../campaign-command';

export function registerExtend(program: Command): void {
  withCommon(
    deadlineArgs(
      program.command('extend').description('the office grants a new due instant; reminders are rescheduled'),
    )
      .requiredOption('--until <datetime>', 'new due instant, local time of the campaign, e.g. 2010-08-15T17:00')
      .requiredOption('--by <who>', 'who grants it')
      .requiredOption('--reason <why>', 'why'),
  ).action(
    async (
      campaignId: string,
      ob: string,
      cycle: string,
      unit: string,
      o: CommonOptions & { until: string; by: string; reason: string },
    ) => {
      const cc = await campaignClient(o);
      const zone = (await cc.directory(campaignId)).timeZone;
      const s = await cc.extend(campaignId, ob, cycle, unit, {
        newDueAt: instant(o.until, zone, '--until'),
        by: o.by,
        reason: o.reason,
      });
      print(o, s, () => `${say('已延期：', 'extended: ')}${deadlineLine(s, zone)}`);
    },
  );
}

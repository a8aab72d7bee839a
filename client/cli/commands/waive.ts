/** `waive <campaign> <obligation> <cycle> <unit>`: the office excuses a unit from one cycle. */
import type { Command } from 'commander';
import { campaignClient, deadlineArgs, print, withCommon, type CommonOptions } from '../campaign-command';
import { say } from '../lang';

export function registerWaive(program: Command): void {
  withCommon(
    deadlineArgs(program.command('waive').description('the office excuses a unit from one cycle'))
      .requiredOption('--by <who>', 'who waives it')
      .requiredOption('--reason <why>', 'why'),
  ).action(
    async (
      campaignId: string,
      ob: string,
      cycle: string,
      unit: string,
      o: CommonOptions & { by: string; reason: string },
    ) => {
      const cc = await campaignClient(o);
      const s = await cc.waive(campaignId, ob, cycle, unit, { by: o.by, reason: o.reason });
      print(o, s, () => say(`已免报：${s.deadlineId}`, `waived: ${s.deadlineId}`));
    },
  );
}

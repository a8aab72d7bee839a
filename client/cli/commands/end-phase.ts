/** `end-phase <campaign> <phase>`: the committee ends the running phase. */
import type { Command } from 'commander';
import { campaignClient, phaseChangeLine, print, withCommon, type CommonOptions } from '../campaign-command';

export function registerEndPhase(program: Command): void {
  withCommon(
    program
      .command('end-phase')
      .description('the committee ends the running phase (e.g. one that lasts "until the 18th Congress")')
      .argument('<campaign>', 'campaign id')
      .argument('<phase>', 'phase key, e.g. mobilise')
      .requiredOption('--by <who>', 'who ends it')
      .requiredOption('--reason <why>', 'why'),
  ).action(async (campaignId: string, phaseKey: string, o: CommonOptions & { by: string; reason: string }) => {
    const cc = await campaignClient(o);
    const change = await cc.endPhase(campaignId, { phaseKey, by: o.by, reason: o.reason });
    const zone = (await cc.directoryWithoutUnits(campaignId)).timeZone;
    print(o, change, () => phaseChangeLine(change, zone));
  });
}

/** `advance <campaign>`: the committee starts the next phase (or a later one) now. */
import type { Command } from 'commander';
import { campaignClient, phaseChangeLine, print, withCommon, type CommonOptions } from '../campaign-command';

export function registerAdvance(program: Command): void {
  withCommon(
    program
      .command('advance')
      .description('the committee starts the next phase (or --to a later one) now')
      .argument('<campaign>', 'campaign id')
      .option('--to <phase>', 'the phase to start (default: the next one)')
      .requiredOption('--by <who>', 'who triggers it')
      .requiredOption('--reason <why>', 'why'),
  ).action(async (campaignId: string, o: CommonOptions & { to?: string; by: string; reason: string }) => {
    const cc = await campaignClient(o);
    const change = await cc.advance(campaignId, { toPhase: o.to, by: o.by, reason: o.reason });
    const zone = (await cc.directoryWithoutUnits(campaignId)).timeZone;
    print(o, change, () => phaseChangeLine(change, zone));
  });
}

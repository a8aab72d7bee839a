/** `list <campaign>`: the open deadlines, filtered by committee, obligation, cycle or state. */
import type { Command } from 'commander';
import { campaignClient, deadlineLine, print, withCommon, type CommonOptions } from '../campaign-command';

const STATES = ['green', 'blue', 'yellow', 'red'];

export function registerList(program: Command): void {
  withCommon(
    program
      .command('list')
      .description('open deadlines, filtered by committee, obligation, cycle or state (green/blue/yellow/red)')
      .argument('<campaign>')
      .option('--committee <id>')
      .option('--obligation <key>')
      .option('--cycle <key>')
      .option('--state <state>'),
  ).action(
    async (
      campaignId: string,
      o: CommonOptions & { committee?: string; obligation?: string; cycle?: string; state?: string },
    ) => {
      if (o.state !== undefined && !STATES.includes(o.state))
        throw new Error(`--state must be one of ${STATES.join(', ')}, got "${o.state}"`);
      const cc = await campaignClient(o);
      const zone = (await cc.directory(campaignId)).timeZone;
      const rows = await cc.list(campaignId, o);
      print(o, rows, () =>
        rows.length === 0 ? 'no open deadlines' : rows.map((d) => deadlineLine(d, zone)).join('\n'),
      );
    },
  );
}

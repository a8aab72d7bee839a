/** `status <campaign>`: the current phase, the next instant and the deadline counts. */
import type { Command } from 'commander';
import { formatInstant } from '../../../domain/format';
import { campaignClient, print, withCommon, type CommonOptions } from '../campaign-command';

export function registerStatus(program: Command): void {
  withCommon(
    program.command('status').description('current phase, next instant and deadline counts').argument('<campaign>'),
  ).action(async (campaignId: string, o: CommonOptions) => {
    const cc = await campaignClient(o);
    const s = await cc.status(campaignId);
    const zone = (await cc.directory(campaignId)).timeZone;
    print(o, s, () =>
      [
        `campaign ${s.campaignId}: ${s.title}`,
        `now (plan time)  ${formatInstant(s.now, zone, 'zh')}`,
        `current phase    ${s.currentPhase ?? '(none)'}`,
        `next instant     ${s.nextAt ? formatInstant(s.nextAt, zone, 'zh') : '(none)'}`,
        `deadlines        open ${s.open} (green ${s.counts.green}, blue ${s.counts.blue}, yellow ${s.counts.yellow}, red ${s.counts.red}), overdue ${s.overdue}, closed ${s.counts.closed}`,
        `cycles opened    ${s.cyclesLaunched}; batches ${s.batchesDone}/${s.batchesLaunched} done; run ${s.runs}`,
        ...s.phases.map(
          (p) =>
            `  phase ${p.key.padEnd(20)} ${formatInstant(p.startAt, zone, 'zh')} → ${p.endAt ? formatInstant(p.endAt, zone, 'zh') : '由党委决定'}`,
        ),
      ].join('\n'),
    );
  });
}

/** `list <campaign>`: the open deadlines, filtered by committee, obligation, cycle or state. */
import type { Command } from 'commander';
import {
  campaignClient,
  deadlineHeader,
  deadlineLine,
  print,
  withCommon,
  type CommonOptions,
} from '../campaign-command';
import { say } from '../lang';
import { DEADLINE_STATES, deadlineListQuery } from '../../campaigns';

export function registerList(program: Command): void {
  withCommon(
    program
      .command('list')
      .description('open deadlines, filtered by committee, obligation, cycle or state (green/blue/yellow/red)')
      .argument('<campaign>', 'campaign id')
      .option('--committee <id>', "only the deadlines of this committee's units (and its own)")
      .option('--obligation <key>', 'only this obligation, e.g. branch-plan or quarterly-report.review')
      .option('--cycle <key>', 'only this cycle, e.g. once, 2010-Q3, 2011-H1, 2011')
      .option('--state <state>', 'only this colour: green (open), blue (due soon), yellow (overdue), red (escalated)'),
  ).action(
    async (
      campaignId: string,
      o: CommonOptions & { committee?: string; obligation?: string; cycle?: string; state?: string },
    ) => {
      if (o.state !== undefined && !(DEADLINE_STATES as readonly string[]).includes(o.state))
        throw new Error(`--state must be one of ${DEADLINE_STATES.join(', ')}, got "${o.state}"`);
      const filter = { committee: o.committee, obligation: o.obligation, cycle: o.cycle, state: o.state };
      deadlineListQuery(campaignId, filter); // refuses a bad id or state before anything is asked
      const cc = await campaignClient(o);
      const dir = await cc.directory(campaignId);
      const names = new Map(dir.units.map((u) => [u.id, u.name]));
      const rows = await cc.list(campaignId, filter);
      print(o, rows, () =>
        rows.length === 0
          ? say('没有未结事项', 'no open deadlines')
          : [
              deadlineHeader(),
              ...rows.map((d) => deadlineLine(d, dir.timeZone, names.get(d.unitId))),
              say(`共 ${rows.length} 项`, `${rows.length} in all`),
            ].join('\n'),
      );
    },
  );
}

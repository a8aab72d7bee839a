/**
 * `start`: starts a campaign from a plan and an organisation, optionally rehearsed on a live
 * server from the plan's own calendar at a chosen speed.
 */
import os from 'node:os';
import type { Command } from 'commander';
import { openLedger } from '../../../ledger';
import { rehearsalClock } from '../../../domain/clock';
import { loadOrgFile, loadPlanFile } from '../../../plans/load';
import { processConfig } from '../../../config';
import { startCampaignAs } from '../../campaigns';
import { campaignClient, instant, print, withCommon, type CommonOptions } from '../campaign-command';
import { say } from '../lang';

interface StartOptions extends CommonOptions {
  plan: string;
  org: string;
  rehearseSpeed?: string;
  rehearseFrom?: string;
  by?: string;
  digest?: boolean;
}

export function registerStart(program: Command): void {
  withCommon(
    program
      .command('start')
      .description('start a campaign from a plan and an organisation (refuses a second campaign with the same id)')
      .requiredOption('--plan <file>', 'plan file (YAML or JSON)')
      .requiredOption('--org <file>', 'organisation file (YAML or CSV)')
      .option('--by <who>', 'who starts it, as the ledger records it (default: the user running the command)')
      .option(
        '--digest',
        'mail each committee and the office a weekly digest of what is overdue and due (08:30 on the first working day of each week)',
      )
      .option(
        '--rehearse-speed <n>',
        'run the plan from its own first day, n plan-seconds per real second (a demo or rehearsal on a live server)',
      )
      .option(
        '--rehearse-from <local date-time>',
        'run the plan from this instant of its own calendar (default with --rehearse-speed: the day before its first phase; speed 1 if not given)',
      ),
  ).action(async (o: StartOptions) => {
    const plan = await loadPlanFile(o.plan);
    const org = await loadOrgFile(o.org);
    const config = processConfig();
    const cc = await campaignClient(o);
    let clock;
    if (o.rehearseSpeed !== undefined || o.rehearseFrom !== undefined) {
      const scale = Number(o.rehearseSpeed ?? 1);
      if (!Number.isFinite(scale) || scale <= 0)
        throw new Error(`--rehearse-speed must be a positive number, got ${o.rehearseSpeed}`);
      const from =
        o.rehearseFrom !== undefined
          ? Date.parse(instant(o.rehearseFrom, plan.timeZone, '--rehearse-from'))
          : undefined;
      clock = rehearsalClock(plan, scale, Date.now(), from);
    }
    const ledger = await openLedger(config.LEDGER_URL);
    try {
      const h = await startCampaignAs(
        cc,
        ledger,
        { plan, org, taskQueue: config.TASK_QUEUE, clock },
        { by: o.by?.trim() || loginName(), via: 'cli' },
        { digest: o.digest === true },
      );
      print(o, { campaignId: plan.id, workflowId: h.workflowId }, () =>
        say(`已启动活动 ${plan.id}（${h.workflowId}）`, `started campaign ${plan.id} (${h.workflowId})`),
      );
    } finally {
      await ledger.close();
    }
  });
}

/** The user running the command, as the ledger names who started a campaign without `--by`. */
function loginName(): string {
  try {
    return os.userInfo().username;
  } catch {
    // A container's user may have no entry in its passwd file.
    return process.env.USER ?? `uid ${process.getuid?.() ?? '?'}`;
  }
}

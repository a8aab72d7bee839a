/**
 * The commands that drive a running campaign: start, status, advance, end-phase, submit,
 * extend, waive, list. They talk to the Temporal server named by TEMPORAL_ADDRESS.
 */
import type { Command } from 'commander';
import { DateTime } from 'luxon';
import { loadOrgFile, loadPlanFile } from '../../../plans/load';
import { processConfig } from '../../../config';
import { formatInstant } from '../../../domain/format';
import { CampaignClient, connectClient } from '../../campaigns';
import type { DeadlineStatus } from '../../../workflows/messages';

interface Common {
  address?: string;
  json?: boolean;
}

async function client(opts: Common): Promise<CampaignClient> {
  const config = processConfig();
  return new CampaignClient(await connectClient(opts.address ?? config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE));
}

function print(opts: Common, value: unknown, text: () => string): void {
  console.log(opts.json ? JSON.stringify(value, null, 2) : text());
}

/** A local date-time in the campaign's zone (or an ISO instant with offset) to a UTC instant. */
function instant(value: string, zone: string): string {
  const dt = DateTime.fromISO(value, { zone });
  if (!dt.isValid) throw new Error(`not a date-time: "${value}" (expected e.g. 2010-08-15T17:00)`);
  return dt.toUTC().toISO();
}

function deadlineLine(d: DeadlineStatus, zone: string): string {
  return [
    d.state.padEnd(7),
    d.unitId.padEnd(12),
    `${d.obligationKey} ${d.cycleKey}`.padEnd(36),
    `due ${formatInstant(d.dueAt, zone, 'zh')}`,
    d.nextStep ? `next ${d.nextStep.step} ${formatInstant(d.nextStep.at, zone, 'zh')}` : '',
  ].join('  ');
}

export function registerCampaignCommands(program: Command): void {
  const withCommon = (c: Command): Command =>
    c
      .option('--address <host:port>', 'Temporal server (default: TEMPORAL_ADDRESS or 127.0.0.1:7233)')
      .option('--json', 'machine-readable output');

  withCommon(
    program
      .command('start')
      .description('start a campaign from a plan and an organisation (refuses a second campaign with the same id)')
      .requiredOption('--plan <file>', 'plan file (YAML or JSON)')
      .requiredOption('--org <file>', 'organisation file (YAML or CSV)')
      .option(
        '--rehearse-speed <n>',
        'run the plan from its own first day, n plan-seconds per real second (a demo or rehearsal on a live server)',
      )
      .option(
        '--rehearse-from <local date-time>',
        'run the plan from this instant of its own calendar (default with --rehearse-speed: the day before its first phase; speed 1 if not given)',
      ),
  ).action(async (o: Common & { plan: string; org: string; rehearseSpeed?: string; rehearseFrom?: string }) => {
    const plan = await loadPlanFile(o.plan);
    const org = await loadOrgFile(o.org);
    const config = processConfig();
    const cc = await client(o);
    let clock;
    if (o.rehearseSpeed !== undefined || o.rehearseFrom !== undefined) {
      const scale = Number(o.rehearseSpeed ?? 1);
      if (!Number.isFinite(scale) || scale <= 0)
        throw new Error(`--rehearse-speed must be a positive number, got ${o.rehearseSpeed}`);
      const from =
        o.rehearseFrom !== undefined
          ? Date.parse(instant(o.rehearseFrom, plan.timeZone))
          : DateTime.fromISO(plan.phases[0]!.start, { zone: plan.timeZone }).minus({ days: 1 }).toMillis();
      clock = { originPlanMs: from, originServerMs: Date.now(), scale };
    }
    const h = await cc.start({ plan, org, taskQueue: config.TASK_QUEUE, clock });
    print(o, { campaignId: plan.id, workflowId: h.workflowId }, () => `started campaign ${plan.id} (${h.workflowId})`);
  });

  withCommon(
    program.command('status').description('current phase, next instant and deadline counts').argument('<campaign>'),
  ).action(async (campaignId: string, o: Common) => {
    const cc = await client(o);
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

  withCommon(
    program
      .command('advance')
      .description('the committee starts the next phase (or --to a later one) now')
      .argument('<campaign>')
      .option('--to <phase>', 'the phase to start (default: the next one)')
      .requiredOption('--by <who>', 'who triggers it')
      .requiredOption('--reason <why>', 'why'),
  ).action(async (campaignId: string, o: Common & { to?: string; by: string; reason: string }) => {
    const cc = await client(o);
    const change = await cc.advance(campaignId, { toPhase: o.to, by: o.by, reason: o.reason });
    print(o, change, () => `phase ${change.phaseKey} started at ${change.at} by ${change.by}`);
  });

  withCommon(
    program
      .command('end-phase')
      .description('the committee ends the running phase (e.g. one that lasts "until the 18th Congress")')
      .argument('<campaign>')
      .argument('<phase>')
      .requiredOption('--by <who>', 'who ends it')
      .requiredOption('--reason <why>', 'why'),
  ).action(async (campaignId: string, phaseKey: string, o: Common & { by: string; reason: string }) => {
    const cc = await client(o);
    const change = await cc.endPhase(campaignId, { phaseKey, by: o.by, reason: o.reason });
    print(o, change, () => `phase ${change.phaseKey} ended at ${change.at} by ${change.by}`);
  });

  const deadlineArgs = (c: Command): Command =>
    c.argument('<campaign>').argument('<obligation>').argument('<cycle>').argument('<unit>');

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
      o: Common & { by: string; text: string; attach?: string[] },
    ) => {
      const cc = await client(o);
      const r = await cc.submit(campaignId, ob, cycle, unit, { by: o.by, text: o.text, attachments: o.attach });
      const zone = (await cc.directory(campaignId)).timeZone;
      print(o, r, () =>
        r.onTime
          ? `received ${formatInstant(r.receivedAt, zone, 'zh')}: on time`
          : `received ${formatInstant(r.receivedAt, zone, 'zh')}: late by ${(r.lateMs / 3_600_000).toFixed(1)} h`,
      );
    },
  );

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
      o: Common & { until: string; by: string; reason: string },
    ) => {
      const cc = await client(o);
      const zone = (await cc.directory(campaignId)).timeZone;
      const s = await cc.extend(campaignId, ob, cycle, unit, {
        newDueAt: instant(o.until, zone),
        by: o.by,
        reason: o.reason,
      });
      print(o, s, () => `extended: ${deadlineLine(s, zone)}`);
    },
  );

  withCommon(
    deadlineArgs(program.command('waive').description('the office excuses a unit from one cycle'))
      .requiredOption('--by <who>', 'who waives it')
      .requiredOption('--reason <why>', 'why'),
  ).action(
    async (campaignId: string, ob: string, cycle: string, unit: string, o: Common & { by: string; reason: string }) => {
      const cc = await client(o);
      const s = await cc.waive(campaignId, ob, cycle, unit, { by: o.by, reason: o.reason });
      print(o, s, () => `waived: ${s.deadlineId}`);
    },
  );

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
      o: Common & { committee?: string; obligation?: string; cycle?: string; state?: string },
    ) => {
      const states = ['green', 'blue', 'yellow', 'red'];
      if (o.state !== undefined && !states.includes(o.state))
        throw new Error(`--state must be one of ${states.join(', ')}, got "${o.state}"`);
      const cc = await client(o);
      const zone = (await cc.directory(campaignId)).timeZone;
      const rows = await cc.list(campaignId, o);
      print(o, rows, () =>
        rows.length === 0 ? 'no open deadlines' : rows.map((d) => deadlineLine(d, zone)).join('\n'),
      );
    },
  );
}

/**
 * `simulate`: rehearses a whole plan on the time-skipping server with the real workflows and
 * activities, driven by a behaviour file, then prints the audit and the mail sent by kind.
 */
import type { Command } from 'commander';
import { loadOrgFile, loadPlanFile } from '../../../plans/load';
import { BehaviourSchema } from '../../../rehearsal/behaviour';
import { loadBehaviourFile } from '../../../rehearsal/behaviour-file';
import { rehearse } from '../../../rehearsal/simulate';
import { openLedger } from '../../../ledger';
import { buildReport, tableText } from '../../../ledger/report';
import { lang, say } from '../lang';

export function registerSimulate(program: Command): void {
  program
    .command('simulate')
    .description('rehearse a plan on the time-skipping server: prints the audit and the mail sent by kind')
    .requiredOption('--plan <file>', 'plan file')
    .requiredOption('--org <file>', 'organisation file')
    .option('--behaviour <file>', 'behaviour file (default: everyone submits on time)')
    .option('--out <dir>', 'keep the ledger and the outbox here (default: a temporary folder)')
    .option('--json', 'machine-readable output')
    .action(async (o: { plan: string; org: string; behaviour?: string; out?: string; json?: boolean }) => {
      const plan = await loadPlanFile(o.plan);
      const org = await loadOrgFile(o.org);
      const behaviour = o.behaviour ? await loadBehaviourFile(o.behaviour, { plan, org }) : BehaviourSchema.parse({});
      const run = await rehearse({
        plan,
        org,
        behaviour,
        workDir: o.out,
        onProgress: o.json
          ? undefined
          : (at, done, total) => {
              process.stderr.write(`\r${at.slice(0, 10)}  ${done}/${total} requests`);
            },
      });
      if (!o.json) process.stderr.write('\n');
      const ledger = await openLedger(run.ledgerUrl);
      const asOf = run.sim.endAt;
      const filter = { campaignId: plan.id, asOf, timeZone: plan.timeZone, locale: lang() };
      const tables = await Promise.all(
        (['lagging', 'reviewers', 'rectifications'] as const).map((n) => buildReport(ledger, n, filter)),
      );
      await ledger.close();
      const summary = {
        campaignId: plan.id,
        wallMs: run.wallMs,
        workDir: run.workDir,
        requests: run.sim.requests.length,
        mailByKind: run.mailByKind,
        campaignRuns: run.campaignRuns,
      };
      if (o.json) {
        console.log(
          JSON.stringify({ ...summary, audit: Object.fromEntries(tables.map((t) => [t.name, t.records])) }, null, 2),
        );
        return;
      }
      console.log(tables.map(tableText).join('\n\n'));
      const mail = Object.entries(run.mailByKind)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ');
      const seconds = (run.wallMs / 1000).toFixed(1);
      console.log(say(`\n发出邮件（按类别）：${mail}`, `\nmail sent by kind: ${mail}`));
      console.log(
        say(
          `演练用时 ${seconds} 秒；台帐和发件箱在 ${run.workDir}`,
          `rehearsed in ${seconds} s; ledger and outbox in ${run.workDir}`,
        ),
      );
    });
}

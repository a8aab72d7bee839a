/**
 * `audit`: the ledger's answer to "who lagged": lagging units (their own reports), a ranking of
 * the most lagging branches, late leader reviews (each naming the reviewed report), open
 * rectification orders, or one unit's whole history; as a table, `--json`, `--csv` (one report)
 * or an `--xlsx` workbook with one sheet per report.
 */
import type { Command } from 'commander';
import { openLedger } from '../../../ledger';
import { assertCampaignInLedger } from '../../../ledger/audit';
import { buildReport, REPORTS, tableCsv, tableText, writeXlsx, type ReportName } from '../../../ledger/report';
import { formatInstant } from '../../../domain/format';
import { processConfig } from '../../../config';
import { CampaignClient, connectClient } from '../../campaigns';
import { lang, say } from '../lang';
import { IANAZone } from 'luxon';
import { InstantInputError, requestInstant } from '../../../domain/dates';
import { clip } from '../../../domain/errors';
import { checkId } from '../../../domain/ids';

interface AuditOptions {
  ledger?: string;
  campaign: string;
  report?: string;
  unit?: string;
  committee?: string;
  obligation?: string;
  cycle?: string;
  phase?: string;
  asOf?: string;
  zone?: string;
  json?: boolean;
  csv?: boolean;
  xlsx?: string;
  force?: boolean;
}

/**
 * Where the audit counts from when no --as-of is given: the campaign's plan time if it runs on
 * the Temporal server (a rehearsed demo runs 2010's dates today), else the wall clock.
 */
async function defaultAsOf(campaignId: string): Promise<{ asOf: string; from: 'plan' | 'wall' }> {
  const config = processConfig();
  try {
    const cc = new CampaignClient(await connectClient(config.temporal, '1s'));
    try {
      return { asOf: await cc.planNow(campaignId), from: 'plan' };
    } finally {
      await cc.client.connection.close();
    }
  } catch {
    // No server, or the campaign has left it: the ledger alone, counted against today.
    return { asOf: new Date().toISOString(), from: 'wall' };
  }
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('who lagged: from the ledger, as a table, --json, --csv or --xlsx')
    .requiredOption('--campaign <id>', 'campaign id')
    .option('--ledger <url>', 'ledger URL (default: LEDGER_URL or sqlite:.data/ledger.sqlite)')
    .option('--report <name>', `one of ${REPORTS.join(', ')} (default: all but unit)`)
    .option('--unit <id>', 'one unit: its whole history (the unit report)')
    .option('--committee <id>', 'only the units of this committee (and the reviews it owes)')
    .option('--obligation <key>', 'only this obligation, e.g. quarterly-report')
    .option('--cycle <key>', 'only this cycle, e.g. 2010-Q3')
    .option('--phase <key>', 'only deadlines of this phase')
    .option(
      '--as-of <instant>',
      'count unanswered deadlines due before this instant as missing (default: the campaign’s plan time now if it runs on the server, else now)',
    )
    .option('--zone <tz>', 'time zone for instants', 'Asia/Shanghai')
    .option('--json', 'machine-readable output: one object, a list of records per report')
    .option('--csv', 'one report as CSV (UTF-8 with BOM, for Excel); needs --report or --unit')
    .option('--xlsx <file>', 'write an Excel workbook, one sheet per report (refuses to replace an existing file)')
    .option('--force', 'with --xlsx: replace the file if it exists')
    .action(async (o: AuditOptions) => {
      if (o.report !== undefined && !REPORTS.includes(o.report as ReportName)) {
        throw new Error(`--report must be one of ${REPORTS.join(', ')}, got "${o.report}"`);
      }
      // Checked before anything else reads it: without --as-of, a zone luxon does not know printed
      // "as of Invalid DateTime" over the whole report.
      const zone = o.zone ?? 'Asia/Shanghai';
      if (!IANAZone.isValidZone(zone)) throw new InstantInputError('--zone', `unknown time zone "${clip(zone)}"`);
      const givenAsOf = o.asOf === undefined ? undefined : requestInstant(o.asOf, zone, '--as-of');
      checkId('key', o.campaign, '--campaign');
      if (o.unit !== undefined) checkId('unit', o.unit, '--unit');
      if (o.committee !== undefined) checkId('unit', o.committee, '--committee');
      if (o.obligation !== undefined) checkId('obligation', o.obligation, '--obligation');
      if (o.cycle !== undefined) checkId('cycle', o.cycle, '--cycle');
      if (o.phase !== undefined) checkId('key', o.phase, '--phase');
      const names: ReportName[] = o.report
        ? [o.report as ReportName]
        : o.unit
          ? ['unit']
          : ['lagging', 'ranking', 'reviewers', 'rectifications'];
      // A CSV file holds one table: four glued together cannot be read back.
      if (o.csv && names.length > 1)
        throw new Error(`--csv writes one report: add --report <${REPORTS.join('|')}> (or use --xlsx for all)`);
      const ledger = await openLedger(o.ledger ?? processConfig().LEDGER_URL);
      try {
        await assertCampaignInLedger(ledger, o.campaign);
        const asOf =
          givenAsOf !== undefined ? { asOf: givenAsOf, from: 'given' as const } : await defaultAsOf(o.campaign);
        const filter = {
          campaignId: o.campaign,
          unitId: o.unit,
          committeeId: o.committee,
          obligationKey: o.obligation,
          cycleKey: o.cycle,
          phaseKey: o.phase,
          asOf: asOf.asOf,
          timeZone: o.zone,
          locale: lang(),
        };
        const tables = await Promise.all(names.map((n) => buildReport(ledger, n, filter)));
        if (o.xlsx) {
          await writeXlsx(tables, o.xlsx, { force: o.force });
          console.log(say(`已写入 ${o.xlsx}`, `wrote ${o.xlsx}`));
        } else if (o.json) {
          console.log(
            JSON.stringify({ asOf: asOf.asOf, ...Object.fromEntries(tables.map((t) => [t.name, t.records])) }, null, 2),
          );
        } else if (o.csv) {
          process.stdout.write(tableCsv(tables[0]!));
        } else {
          const when = formatInstant(asOf.asOf, o.zone ?? 'Asia/Shanghai', lang());
          const basis = { plan: say('活动计划时间', 'plan time'), wall: say('当前时间', 'now'), given: '--as-of' };
          console.log(say(`统计截至 ${when}（${basis[asOf.from]}）`, `as of ${when} (${basis[asOf.from]})`));
          console.log(tables.map(tableText).join('\n\n'));
        }
      } finally {
        await ledger.close();
      }
    });
}

/**
 * `audit`: the ledger's answer to "who lagged": lagging units, a ranking of the most lagging
 * branches, late reviewers, open rectification orders, or one unit's whole history; as a
 * table, `--json`, `--csv`, or an `--xlsx` workbook with one sheet per report.
 */
import type { Command } from 'commander';
import { openLedger } from '../../../ledger';
import { buildReport, REPORTS, tableCsv, tableText, writeXlsx, type ReportName } from '../../../ledger/report';
import { processConfig } from '../../../config';

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
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('who lagged: from the ledger, as a table, --json, --csv or --xlsx')
    .requiredOption('--campaign <id>', 'campaign id')
    .option('--ledger <url>', 'ledger URL (default: LEDGER_URL or sqlite:.data/ledger.sqlite)')
    .option('--report <name>', `one of ${REPORTS.join(', ')} (default: all but unit)`)
    .option('--unit <id>', 'a unit, for --report unit')
    .option('--committee <id>')
    .option('--obligation <key>')
    .option('--cycle <key>')
    .option('--phase <key>')
    .option('--as-of <instant>', 'count unanswered deadlines due before this instant as missing (default: now)')
    .option('--zone <tz>', 'time zone for instants', 'Asia/Shanghai')
    .option('--json', 'JSON')
    .option('--csv', 'CSV (UTF-8 with BOM, for Excel)')
    .option('--xlsx <file>', 'write an Excel workbook')
    .action(async (o: AuditOptions) => {
      if (o.report !== undefined && !REPORTS.includes(o.report as ReportName)) {
        throw new Error(`--report must be one of ${REPORTS.join(', ')}, got "${o.report}"`);
      }
      if (o.asOf !== undefined && Number.isNaN(Date.parse(o.asOf)))
        throw new Error(`--as-of must be an ISO instant, got "${o.asOf}"`);
      const names: ReportName[] = o.report
        ? [o.report as ReportName]
        : o.unit
          ? ['unit']
          : ['lagging', 'ranking', 'reviewers', 'rectifications'];
      const ledger = await openLedger(o.ledger ?? processConfig().LEDGER_URL);
      try {
        const filter = {
          campaignId: o.campaign,
          unitId: o.unit,
          committeeId: o.committee,
          obligationKey: o.obligation,
          cycleKey: o.cycle,
          phaseKey: o.phase,
          asOf: o.asOf,
          timeZone: o.zone,
        };
        const tables = await Promise.all(names.map((n) => buildReport(ledger, n, filter)));
        if (o.xlsx) {
          await writeXlsx(tables, o.xlsx);
          console.log(`wrote ${o.xlsx}`);
        } else if (o.json) {
          console.log(JSON.stringify(Object.fromEntries(tables.map((t) => [t.name, t.records])), null, 2));
        } else if (o.csv) {
          process.stdout.write(tables.map(tableCsv).join('\n'));
        } else {
          console.log(tables.map(tableText).join('\n\n'));
        }
      } finally {
        await ledger.close();
      }
    });
}

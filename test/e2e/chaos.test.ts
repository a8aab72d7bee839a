/**
 * The chaos soak's short version (bench/chaos.ts runs the long one): the compressed campaign on
 * the self-hosted cluster with two worker processes, 10 random SIGKILLs of a worker (each
 * started again), one restart of the Temporal server and one SMTP outage of 20–30 s. Nothing may be lost;
 * a message may arrive twice only when a worker died between the SMTP server's acceptance and
 * the ledger's record, and the ledger must record exactly what the SMTP server received.
 */
import { chaosReference, formatReport, runChaos } from '../../bench/chaos';

describe('the chaos soak, short version', () => {
  it('loses no message through 10 worker kills, a server restart and an SMTP outage on the cluster', async () => {
    const reference = await chaosReference();
    const lines: string[] = [];
    const report = await runChaos(
      {
        server: 'cluster',
        kills: 10,
        serverRestarts: 1,
        outages: 1,
        outageMs: [20_000, 30_000],
        workers: 2,
        dayMs: 1600,
        minUptimeMs: 0,
        workflowTaskTimeoutMs: 10_000,
        seed: 19,
        log: (line) => lines.push(line),
      },
      reference,
    );
    const printed = `${lines.join('\n')}\n${formatReport(report)}`;
    // The figures go to the log whatever the outcome: they are the soak's result.
    console.log(printed);
    expect({ kills: report.kills, serverRestarts: report.serverRestarts, outages: report.outages.length }).toEqual({
      kills: 10,
      serverRestarts: 1,
      outages: 1,
    });
    // Nothing lost: every message of the rehearsal was delivered, or belonged to a deadline the
    // unit had answered before the mail could go out (a reminder held back by the outage).
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    expect(report.delivered + report.moot.length).toBe(report.expected);
    expect(report.doubled.filter((d) => d.window.startsWith('no worker killed'))).toEqual([]);
    expect(report.ledgerWithoutSmtp).toEqual([]);
    expect(report.smtpWithoutLedger).toEqual([]);
    expect(report.ledgerSent).toBe(report.delivered);
    // About four minutes on two idle cores: the campaign alone lasts three (a plan day in 1.6 s).
  }, 900_000);
});

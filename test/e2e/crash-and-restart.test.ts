/**
 * End to end on the real dev server, with the service's own worker in a process of its own and
 * a real SMTP server: a compressed campaign (a plan day in 0.8 s) runs while the worker is
 * killed (SIGKILL) in the middle of sending and started again, and, in a second campaign, while
 * the dev server itself is killed and started again on its SQLite file. Every message must reach the SMTP server exactly
 * once, every ledger row be there once, and the audit agree with the behaviour and with a
 * rehearsal of the same plan on the time-skipping server.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { planSimulation } from '../../rehearsal/behaviour';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { createTimeSkippingEnv } from '../../worker/servers';
import { runSimulation, type SimulationRun } from '../../rehearsal/simulate';
import { RECTIFICATION_RANK } from '../../ledger/schema';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { freePort } from '../helpers/ports';
import { startDevServer, startWorkerProcess, type Proc } from '../helpers/processes';
import {
  auditOf,
  behaviour,
  compressedPlan,
  DAY,
  ENGINE,
  miniOrg,
  receivedByMessageId,
  SCALE,
  wallClockServer as onConnection,
  type CampaignAudit,
} from '../helpers/compressed-campaign';

/** The dev server as the rehearsal driver sees it: wall-clock time, a client that reconnects. */
async function wallClockServer(address: string) {
  const connection = await Connection.connect({ address });
  return { server: onConnection(connection), close: () => connection.close() };
}

describe('a compressed campaign on the dev server', () => {
  let dir: string;
  let smtp: TestSmtp;
  let plan: Plan;
  let org: Org;
  let reference: CampaignAudit;
  let referenceRun: SimulationRun;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-'));
    smtp = await startSmtp();
    plan = await compressedPlan();
    org = await miniOrg();
    // The reference: the same plan and behaviour rehearsed on the time-skipping server.
    const env = await createTimeSkippingEnv();
    try {
      referenceRun = await runSimulation({ plan, org, behaviour, env, engine: { ...ENGINE, searchAttributes: false } });
      reference = await auditOf(referenceRun.ledgerUrl, plan.id);
    } finally {
      await env.teardown();
    }
  });
  afterAll(async () => {
    await smtp?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  /** The instant of the first request followed by a quiet stretch of at least `days` plan days. */
  function quietAfter(days: number): string {
    const times = [...new Set(planSimulation(plan, org, behaviour).requests.map((r) => r.at))].sort();
    const i = times.findIndex(
      (t, k) => k + 1 < times.length && Date.parse(times[k + 1]!) - Date.parse(t) >= days * DAY,
    );
    return times[i]!;
  }

  /**
   * The quiet instants are phase changes at 09:00, which set off the phase's announcement;
   * waiting a day and a half of plan time moves the kill to 21:00 the next day, outside office
   * hours, so that no mail is between the SMTP server's acceptance and its ledger record. (A
   * kill inside that window sends a second copy with the same Message-ID: the mail module's
   * documented limit, which mail clients absorb.)
   */
  const atNightAfter = (): Promise<void> => new Promise((r) => setTimeout(r, (1.5 * DAY) / SCALE));

  async function checkExactlyOnce(campaignId: string, ledgerUrl: string): Promise<void> {
    const audit = await auditOf(ledgerUrl, campaignId);
    // Every message reached the SMTP server exactly once …
    const perId = receivedByMessageId(smtp.received, campaignId);
    expect([...perId.entries()].filter(([, n]) => n > 1)).toEqual([]);
    // … and is the message the ledger records as sent, one row each.
    expect(new Set(audit.sentMessageIds).size).toBe(audit.sentMessageIds.length);
    expect([...perId.keys()].sort()).toEqual([...audit.sentMessageIds].sort());
    // The same mail, deadline for deadline and step for step, as the rehearsal.
    expect(audit.mailSteps).toEqual(reference.mailSteps);
    // The audit agrees with the rehearsal and with the behaviour.
    expect(audit.deadlines).toEqual(reference.deadlines);
    const sim = planSimulation(plan, org, behaviour);
    expect(audit.deadlines).toHaveLength(sim.expected.length);
    // Due Friday 25 June, in on Sunday the 27th: the first escalation step (+1d) waits for the
    // office to open on Monday, so none was sent.
    expect(audit.lag['b-mech-s1']).toMatchObject({ late: 1, missing: 0, highestEscalation: 0 });
    expect(Math.round(audit.lag['b-mech-s1']!.longestLateMs / DAY)).toBe(2);
    expect(audit.lag['b-info-t1']).toMatchObject({ missing: 2, highestEscalation: RECTIFICATION_RANK });
  }

  it('sends every message once and records every fact once when the worker is killed mid-send', async () => {
    const port = await freePort();
    const server = await startDevServer({ dbFile: path.join(dir, 'worker-kill.sqlite'), port });
    const wall = await wallClockServer(`127.0.0.1:${port}`);
    const env = wall.server;
    const ledgerUrl = `sqlite:${path.join(dir, 'worker-kill-ledger.sqlite')}`;
    const workerEnv = {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TASK_QUEUE: 'e2e-kill',
      LEDGER_URL: ledgerUrl,
      MAIL_URL: smtp.url,
      LINK_SECRET: 'crash-test-link-secret-0123456789abcdef',
      BASE_URL: 'http://localhost:8080',
    };
    let worker: Proc = await startWorkerProcess(workerEnv);
    // The worker dies in the middle of announcing the second phase to every unit: while the
    // SMTP server holds the third announcement, not yet acknowledged. Its ledger has the intent
    // and no outcome; the announcement must resume on the next worker and send that message
    // (and every other) exactly once.
    let announced = 0;
    let restarted: Promise<Proc> | undefined;
    smtp.beforeAccept = async (mail) => {
      const header = mail.headers.get('x-campaign-dedupe-key');
      const key = typeof header === 'string' ? header : '';
      if (restarted || !key.startsWith(`${plan.id}-kill/`) || !key.endsWith('/phase-started-engage')) return true;
      if (++announced < 3) return true;
      await worker.kill('SIGKILL');
      restarted = startWorkerProcess(workerEnv);
      return false;
    };
    try {
      const run = await runSimulation({
        plan,
        org,
        behaviour,
        env,
        scale: SCALE,
        engine: ENGINE,
        campaignIdSuffix: '-kill',
        worker: { kind: 'external', taskQueue: 'e2e-kill', ledgerUrl },
        onProgress: async () => {
          if (restarted) worker = await restarted;
        },
      });
      expect(restarted).toBeDefined();
      await checkExactlyOnce(`${plan.id}-kill`, run.ledgerUrl);
      expect(run.mailByKind).toEqual(referenceRun.mailByKind);
    } catch (err) {
      throw new Error(`${String(err)}\n--- the worker said:\n${worker.output().slice(-3000)}`);
    } finally {
      smtp.beforeAccept = undefined;
      if (restarted) worker = await restarted;
      await worker.kill();
      await wall.close();
      await server.kill('SIGTERM');
    }
  });

  it('carries on when the dev server itself is killed and started again on its SQLite file', async () => {
    const port = await freePort();
    const dbFile = path.join(dir, 'server-restart.sqlite');
    let server = await startDevServer({ dbFile, port });
    const wall = await wallClockServer(`127.0.0.1:${port}`);
    const env = wall.server;
    const ledgerUrl = `sqlite:${path.join(dir, 'server-restart-ledger.sqlite')}`;
    const worker = await startWorkerProcess({
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TASK_QUEUE: 'e2e-restart',
      LEDGER_URL: ledgerUrl,
      MAIL_URL: smtp.url,
      LINK_SECRET: 'crash-test-link-secret-0123456789abcdef',
      BASE_URL: 'http://localhost:8080',
    });
    const restartAt = quietAfter(25);
    let restarted = false;
    try {
      const run = await runSimulation({
        plan,
        org,
        behaviour,
        env,
        scale: SCALE,
        engine: ENGINE,
        campaignIdSuffix: '-restart',
        worker: { kind: 'external', taskQueue: 'e2e-restart', ledgerUrl },
        onProgress: async (at) => {
          if (at !== restartAt) return;
          await atNightAfter();
          await server.kill('SIGKILL');
          server = await startDevServer({ dbFile, port });
          restarted = true;
        },
      });
      expect(restarted).toBe(true);
      await checkExactlyOnce(`${plan.id}-restart`, run.ledgerUrl);
      expect(run.mailByKind).toEqual(referenceRun.mailByKind);
    } finally {
      await worker.kill();
      await wall.close();
      await server.kill('SIGTERM');
    }
  });
});

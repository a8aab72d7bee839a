/**
 * End to end on a self-hosted Temporal cluster (test/helpers/cluster.ts: the server built from
 * its Go module, PostgreSQL persistence and SQL visibility, mTLS on the frontend), with TWO
 * of the service's worker processes connecting with a client certificate, the ledger on the
 * same PostgreSQL and a real SMTP server. In the middle of announcing the second phase, the
 * worker that is sending is SIGKILLed and not started again: the other carries the campaign to
 * its end. Every message must reach the SMTP server exactly once (by Message-ID), every ledger
 * row be there once, and the audit equal a rehearsal of the same plan and behaviour on the
 * time-skipping server.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { Connection, type TLSConfig, type WorkflowExecutionInfo } from '@temporalio/client';
import { CampaignIdKey, ObligationKeyKey } from '../../domain/engine/search-attributes';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { createTimeSkippingEnv } from '../../worker/servers';
import { runSimulation, type SimulationRun } from '../../rehearsal/simulate';
import { planSimulation } from '../../rehearsal/behaviour';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { createDatabase, startPostgres, type PgCluster } from '../helpers/postgres';
import { ownerOfLocalPort, startWorkerProcess, type Proc } from '../helpers/processes';
import { startCluster, type TemporalCluster } from '../helpers/cluster';
import {
  auditOf,
  behaviour,
  compressedPlan,
  ENGINE,
  miniOrg,
  receivedByMessageId,
  SCALE,
  wallClockServer,
  type CampaignAudit,
} from '../helpers/compressed-campaign';

describe('a compressed campaign on a self-hosted cluster (PostgreSQL, mTLS) with two workers', () => {
  let dir: string;
  let pg: PgCluster;
  let cluster: TemporalCluster;
  let smtp: TestSmtp;
  let plan: Plan;
  let org: Org;
  let reference: CampaignAudit;
  let referenceRun: SimulationRun;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'e2e-cluster-'));
    pg = await startPostgres();
    cluster = await startCluster({ pg, dir });
    smtp = await startSmtp();
    plan = await compressedPlan();
    org = await miniOrg();
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
    await cluster?.stop();
    pg?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses a client whose certificate the cluster does not trust, and one without any', async () => {
    const ask = async (tls: TLSConfig): Promise<string> => {
      try {
        const c = await Connection.connect({ address: cluster.address, tls, connectTimeout: 3000 });
        try {
          await c.workflowService.describeNamespace({ namespace: cluster.namespace });
          return 'answered';
        } finally {
          await c.close();
        }
      } catch {
        return 'refused';
      }
    };
    expect(await ask(cluster.tls)).toBe('answered');
    expect(
      await ask({
        ...cluster.tls,
        clientCertPair: {
          crt: readFileSync(cluster.certs.strangerCert),
          key: readFileSync(cluster.certs.strangerKey),
        },
      }),
    ).toBe('refused');
    expect(await ask({ ...cluster.tls, clientCertPair: undefined })).toBe('refused');
  });

  it('sends every message once when one of two workers is killed mid-send and the other carries on', async () => {
    const ledgerUrl = await createDatabase(pg, 'ledger_e2e');
    const campaignId = `${plan.id}-cluster`;
    const taskQueue = 'e2e-cluster';
    const workerEnv = {
      ...cluster.env,
      TASK_QUEUE: taskQueue,
      LEDGER_URL: ledgerUrl,
      MAIL_URL: smtp.url,
      LINK_SECRET: 'cluster-test-link-secret-0123456789abcdef',
      BASE_URL: 'http://localhost:8080',
    };
    const workers: Proc[] = [await startWorkerProcess(workerEnv), await startWorkerProcess(workerEnv)];
    // The worker that sends the third announcement of the second phase dies while the SMTP
    // server holds that message, not yet acknowledged: its ledger has the intent and no
    // outcome. The announcement must resume on the other worker, which sends that message
    // (and every other) exactly once.
    let announced = 0;
    let killed: Proc | undefined;
    smtp.beforeAccept = async (mail, senderPort) => {
      const header = mail.headers.get('x-campaign-dedupe-key');
      const key = typeof header === 'string' ? header : '';
      if (killed || !key.startsWith(`${campaignId}/`) || !key.endsWith('/phase-started-engage')) return true;
      if (++announced < 3) return true;
      const sender = ownerOfLocalPort(senderPort, workers);
      if (!sender) throw new Error(`no worker holds the connection from port ${senderPort}`);
      killed = sender;
      await sender.kill('SIGKILL');
      return false;
    };
    let connection: Connection | undefined;
    try {
      connection = await cluster.connect();
      const run = await runSimulation({
        plan,
        org,
        behaviour,
        env: wallClockServer(connection, cluster.namespace),
        scale: SCALE,
        engine: ENGINE,
        campaignIdSuffix: '-cluster',
        worker: { kind: 'external', taskQueue, ledgerUrl },
      });
      expect(killed).toBeDefined();
      const survivor = workers.find((w) => w !== killed)!;
      expect(survivor.child.exitCode).toBeNull();
      expect(killed!.child.signalCode).toBe('SIGKILL');

      const audit = await auditOf(run.ledgerUrl, campaignId);
      // Every message reached the SMTP server exactly once …
      const perId = receivedByMessageId(smtp.received, campaignId);
      expect([...perId.entries()].filter(([, n]) => n > 1)).toEqual([]);
      // … and is the message the ledger records as sent, one row each.
      expect(new Set(audit.sentMessageIds).size).toBe(audit.sentMessageIds.length);
      expect([...perId.keys()].sort()).toEqual([...audit.sentMessageIds].sort());
      // The same mail, step for step, and the same audit as the rehearsal.
      expect(audit.mailSteps).toEqual(reference.mailSteps);
      expect(audit.deadlines).toEqual(reference.deadlines);
      expect(audit.deadlines).toHaveLength(planSimulation(plan, org, behaviour).expected.length);
      expect(run.mailByKind).toEqual(referenceRun.mailByKind);
      // Every deadline of the campaign (the only one in the namespace), its reports and (since
      // v0.15) its leader reviews, is findable by the engine's search attributes in SQL
      // visibility; a review under its obligation key `<report>.review`.
      const client = wallClockServer(connection, cluster.namespace).client;
      const deadlines: WorkflowExecutionInfo[] = [];
      for await (const w of client.workflow.list({ query: `WorkflowType = 'deadlineWorkflow'` })) deadlines.push(w);
      const reviews = deadlines.filter((w) => w.workflowId.split('/')[1]!.endsWith('.review'));
      expect(reviews.length).toBeGreaterThan(0);
      expect(deadlines.filter((w) => w.typedSearchAttributes.get(CampaignIdKey) !== campaignId)).toEqual([]);
      expect(reviews.filter((w) => !w.typedSearchAttributes.get(ObligationKeyKey)?.endsWith('.review'))).toEqual([]);
      const byAttribute = await client.workflow.count(
        `WorkflowType = 'deadlineWorkflow' AND CampaignId = '${campaignId}'`,
      );
      expect(byAttribute.count).toBe(deadlines.length);
    } catch (err) {
      const said = workers.map((w, i) => `--- worker ${i + 1} said:\n${w.output().slice(-3000)}`).join('\n');
      throw new Error(`${String(err)}\n${said}\n--- the server said:\n${cluster.proc().output().slice(-3000)}`);
    } finally {
      smtp.beforeAccept = undefined;
      for (const w of workers) await w.kill();
      await connection?.close();
    }
  });
});

/**
 * The worker as it runs in production, as a process of its own on the dev server with a real
 * PostgreSQL ledger and a real SMTP server, both behind passwords:
 * - its logs are JSON lines, and no password, link key or any form of them is in any line;
 * - /live, /ready (Temporal, ledger, mail; the mail server stopped makes it not ready) and
 *   /metrics (the service's counters and gauges, and the Temporal SDK's own);
 * - SIGTERM while a mail is being sent (the SMTP server holds its answer): the worker drains,
 *   the mail is sent by that worker in its first attempt and recorded once, the worker exits 0
 *   only after the server accepted it, and a new worker carries on without sending anything twice
 *   (by Message-ID). With SHUTDOWN_GRACE_SECONDS=0 the same test fails: the send is cancelled and
 *   aborted at once, and the worker exits while the server still holds the message.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { openLedger } from '../../ledger';
import { startPostgres, type PgCluster } from '../helpers/postgres';
import { freePort } from '../helpers/ports';
import { ownerOfLocalPort, runCli, startDevServer, startWorkerProcess, type Proc } from '../helpers/processes';
import { startSmtp } from '../helpers/smtp';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const PLAN = path.join(FIXTURES, 'mini-plan.yaml');
const ORG = path.join(FIXTURES, 'mini-org.yaml');
const PASSWORD = 'Lw7/Pq@Zx:Tr?Mn#Bv%';
const MAIL_PASSWORD = 'Gs5/Kd@Hy:31';
const LINK_SECRET = 'Vb6-production-link-key-Rt2-0123456789';

const forms = (pw: string): string[] => [
  pw,
  encodeURIComponent(pw),
  JSON.stringify(pw).slice(1, -1),
  ...pw.split(/[/@:?#%]/).filter((p) => p.length >= 3),
];
const SECRET_FORMS = [...forms(PASSWORD), ...forms(MAIL_PASSWORD), LINK_SECRET];

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const get = async (port: number, p: string): Promise<{ status: number; body: string }> => {
  const res = await fetch(`http://127.0.0.1:${port}${p}`);
  return { status: res.status, body: await res.text() };
};

/** A metric's value on the page, by its name with labels as printed. */
function metric(page: string, series: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

const exitOf = (p: Proc): Promise<number | null> =>
  p.child.exitCode !== null
    ? Promise.resolve(p.child.exitCode)
    : new Promise((resolve) => p.child.once('exit', (code) => resolve(code)));

const normalId = (id: string): string => id.replace(/^<|>$/g, '');

/** The drain test's SHUTDOWN_GRACE_SECONDS: well over the 3 s its SMTP server holds a message. */
const DRAIN_GRACE_SECONDS = 20;

describe('the worker in production', () => {
  let dir: string;
  let cluster: PgCluster;
  let server: Proc;
  let address: string;
  let ledgerUrl: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'worker-prod-'));
    cluster = await startPostgres();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`ALTER ROLE ledger PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
    await admin.query('CREATE DATABASE drain');
    await admin.end();
    ledgerUrl = `postgres://ledger:${encodeURIComponent(PASSWORD)}@127.0.0.1:${cluster.port}/postgres`;
    const port = await freePort();
    address = `127.0.0.1:${port}`;
    server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port });
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
    cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('logs JSON without secrets, says when it is live and ready, and serves its metrics and the SDK’s', async () => {
    const smtp = await startSmtp({ auth: { user: 'office', pass: MAIL_PASSWORD } });
    const metricsPort = await freePort();
    const env = {
      TEMPORAL_ADDRESS: address,
      TASK_QUEUE: 'production',
      LEDGER_URL: ledgerUrl,
      MAIL_URL: `smtp://office:${encodeURIComponent(MAIL_PASSWORD)}@127.0.0.1:${smtp.port}`,
      LINK_SECRET,
      METRICS_PORT: String(metricsPort),
      // Debug: every line the SDK and the service can print, not only the start-up line.
      LOG_LEVEL: 'debug',
    };
    const worker = await startWorkerProcess(env);
    try {
      const started = await runCli(['start', '--plan', PLAN, '--org', ORG, '--rehearse-from', '2010-06-15T10:00'], env);
      expect(started.code).toBe(0);
      await until('the notices', () => Promise.resolve(smtp.received.length >= 3 ? true : undefined));

      expect(await get(metricsPort, '/live')).toEqual({ status: 200, body: '{"status":"live"}' });
      const ready = await get(metricsPort, '/ready');
      expect(ready.status).toBe(200);
      expect(JSON.parse(ready.body)).toEqual({
        status: 'ready',
        checks: { temporal: 'ok', ledger: 'ok', mail: 'ok' },
      });

      const page = await until('metrics with the notices and the open deadlines', async () => {
        const p = (await get(metricsPort, '/metrics')).body;
        return (metric(p, 'campaign_mails_sent_total{kind="notice"}') ?? 0) >= 3 &&
          (metric(p, 'campaign_deadlines_open{colour="green"}') ?? 0) > 0
          ? p
          : undefined;
      });
      expect(metric(page, 'campaign_ledger_write_seconds_count{op="recordMany"}')).toBeGreaterThan(0);
      expect(metric(page, 'campaign_deadlines_open{colour="red"}')).toBe(0);
      expect(page).toMatch(/^# TYPE campaign_mails_failed_total counter$/m);
      expect(page).toMatch(/^# TYPE campaign_escalations_total counter$/m);
      // The SDK's own, from its core: polls and requests to the server.
      expect(page).toMatch(/^temporal_request\{/m);
      expect(page).toMatch(/^temporal_worker_task_slots_available\{/m);
      expect(page).toMatch(/^nodejs_heap_size_used_bytes /m);

      // The mail server goes away: not ready, and the reason shows no password.
      await smtp.stop();
      const notReady = await get(metricsPort, '/ready');
      expect(notReady.status).toBe(503);
      const body = JSON.parse(notReady.body) as { checks: Record<string, string> };
      expect(body.checks.temporal).toBe('ok');
      expect(body.checks.ledger).toBe('ok');
      expect(body.checks.mail).toMatch(/ECONNREFUSED|connect/);
      for (const f of SECRET_FORMS) expect(notReady.body).not.toContain(f);
      await smtp.start();
      expect((await get(metricsPort, '/ready')).status).toBe(200);
    } finally {
      await worker.kill('SIGTERM');
      await smtp.stop();
    }
    const lines = worker.output().trim().split('\n');
    expect(lines.length).toBeGreaterThan(5);
    const records = lines.map((l) => JSON.parse(l) as { level: string; service: string; msg: string; sdk?: boolean });
    for (const r of records) expect(r).toMatchObject({ service: 'worker', level: expect.any(String) });
    expect(records.some((r) => r.sdk === true)).toBe(true);
    expect(records.map((r) => r.msg)).toEqual(expect.arrayContaining(['worker: stopped']));
    const start = records.find((r) => r.msg.startsWith('worker: task queue'))!;
    expect(start.msg).toContain(`ledger postgres://ledger:***@127.0.0.1:${cluster.port}/postgres`);
    expect(start.msg).toContain(`mail smtp://office:***@127.0.0.1:${smtp.port}`);
    for (const line of lines) for (const f of SECRET_FORMS) expect(line).not.toContain(f);
  });

  it('drains on SIGTERM: the mail being sent finishes on that worker within its grace, recorded once; a new worker sends nothing twice', async () => {
    const smtp = await startSmtp();
    const drainLedger = `postgres://ledger:${encodeURIComponent(PASSWORD)}@127.0.0.1:${cluster.port}/drain`;
    // A server of its own: the campaign's id is the plan's, and the first test's campaign runs on.
    const port = await freePort();
    const drainServer = await startDevServer({ dbFile: path.join(dir, 'drain.sqlite'), port });
    const env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TASK_QUEUE: 'drain',
      LEDGER_URL: drainLedger,
      MAIL_URL: smtp.url,
      LINK_SECRET,
      // Longer than the server holds the message below. With no grace the SDK cancels the send at
      // once, the worker aborts it (the connection closes) and exits before the server answers.
      SHUTDOWN_GRACE_SECONDS: String(DRAIN_GRACE_SECONDS),
    };
    const first: Proc | undefined = await startWorkerProcess(env);
    let inFlight: string | undefined;
    let heldBy: Proc | undefined;
    let heldByWhenAccepted: Proc | undefined;
    let exitWhileHeld: number | null | undefined;
    // Every attempt to send a message that reached the server's DATA, by Message-ID.
    const attempts = new Map<string, number>();
    // The first message is held: the worker gets SIGTERM while it waits for the server's answer,
    // and the answer comes 3 s later. Had the worker let go, the message would not be delivered by it.
    smtp.beforeAccept = async (mail, senderPort) => {
      attempts.set(mail.messageId!, (attempts.get(mail.messageId!) ?? 0) + 1);
      if (inFlight !== undefined) return true;
      inFlight = mail.messageId!;
      heldBy = ownerOfLocalPort(senderPort, [first]);
      first.child.kill('SIGTERM');
      await new Promise((r) => setTimeout(r, 3000));
      // Still waiting on that connection for the answer, or gave up on the send (aborted it)?
      heldByWhenAccepted = ownerOfLocalPort(senderPort, [first]);
      exitWhileHeld = first.child.exitCode;
      return true;
    };
    let second: Proc | undefined;
    try {
      const started = await runCli(['start', '--plan', PLAN, '--org', ORG, '--rehearse-from', '2010-06-15T10:00'], env);
      expect(started.stderr).toBe('');
      const code = await exitOf(first);
      expect(heldBy?.child.pid).toBe(first.child.pid); // the held send was the draining worker's own
      expect(heldByWhenAccepted?.child.pid).toBe(first.child.pid); // and it still waited for the answer on it
      expect(exitWhileHeld).toBeNull(); // still there when the server accepted its mail
      expect(code).toBe(0);
      // One attempt reached the server before the worker stopped: no earlier try, no retry.
      expect(attempts.get(inFlight!)).toBe(1);
      const records = first
        .output()
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { msg: string });
      const msgs = records.map((r) => r.msg);
      expect(msgs.findIndex((m) => m.startsWith('worker: draining'))).toBeLessThan(msgs.indexOf('worker: stopped'));
      expect(inFlight).toBeDefined();
      expect(smtp.received.filter((r) => r.mail.messageId === inFlight)).toHaveLength(1);
      const ledger = await openLedger(drainLedger);
      try {
        const sentIds = async (): Promise<string[]> =>
          (await ledger.events({ campaignId: 'mini', kinds: ['message-sent'] })).map((e) => normalId(e.messageId!));
        // Recorded before the worker stopped: no retry will send it again.
        expect((await sentIds()).filter((id) => id === normalId(inFlight!))).toHaveLength(1);

        second = await startWorkerProcess(env);
        // The campaign goes on: wait until the ledger stops growing for a few seconds.
        let last = -1;
        await until(
          'the mail to settle',
          async () => {
            const n = (await sentIds()).length;
            const settled = n === last && n > 1;
            last = n;
            if (!settled) await new Promise((r) => setTimeout(r, 3000));
            return settled ? true : undefined;
          },
          120_000,
        );
        const received = smtp.received.map((r) => normalId(r.mail.messageId!));
        expect(new Set(received).size).toBe(received.length); // nothing delivered twice
        expect([...received].sort()).toEqual([...(await sentIds())].sort());
      } finally {
        await ledger.close();
      }
    } finally {
      await first?.kill('SIGKILL');
      await second?.kill('SIGTERM');
      await smtp.stop();
      await drainServer.kill('SIGTERM');
    }
  });
});

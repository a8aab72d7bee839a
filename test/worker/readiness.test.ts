/**
 * The worker process and the Temporal server going away (test/web/probes.test.ts shows the same
 * for the web service). On the dev server, with a SQLite ledger and a real SMTP server:
 * - a campaign started from the CLI opens its deadlines and their notices go out;
 * - with the Temporal server stopped the worker is not ready, says that Temporal is the reason
 *   within the check's few seconds, and stays live;
 * - the server back on the same port and file: ready again, and a campaign started then opens
 *   its deadlines too (the worker's connections came back by themselves).
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports';
import { runCli, startDevServer, startWorkerProcess, type Proc } from '../helpers/processes';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { eventually, ORG, PLAN, TEST_LINK_SECRET } from '../helpers/web';

describe('the worker while the Temporal server is away', () => {
  let dir: string;
  let smtp: TestSmtp;
  let server: Proc;
  let worker: Proc | undefined;
  let temporalPort: number;
  let metricsPort: number;
  let env: Record<string, string>;

  const probe = async (p: string): Promise<{ status: number; body: string; ms: number }> => {
    const t0 = Date.now();
    const res = await fetch(`http://127.0.0.1:${metricsPort}${p}`);
    return { status: res.status, body: await res.text(), ms: Date.now() - t0 };
  };
  const startServer = (): Promise<Proc> =>
    startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port: temporalPort });
  /** Messages the SMTP server accepted for campaign `campaignId` (by their Message-ID, mail/index.ts). */
  const mailsOf = (campaignId: string): number =>
    smtp.received.filter((m) => m.mail.messageId?.endsWith(`@${campaignId}.campaign.invalid>`)).length;
  /** The mini plan under another campaign id, so that one server holds two campaigns of it. */
  const planAs = async (id: string): Promise<string> => {
    const file = path.join(dir, `${id}.yaml`);
    const text = (await readFile(PLAN, 'utf8')).replace(/^id: mini$/m, `id: ${id}`);
    if (!text.includes(`id: ${id}`)) throw new Error('the mini plan has no `id: mini` line');
    await writeFile(file, text);
    return file;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'worker-readiness-'));
    smtp = await startSmtp();
    temporalPort = await freePort();
    metricsPort = await freePort();
    server = await startServer();
    env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TASK_QUEUE: 'worker-readiness',
      LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
      MAIL_URL: smtp.url,
      LINK_SECRET: TEST_LINK_SECRET,
      METRICS_PORT: String(metricsPort),
    };
    worker = await startWorkerProcess(env);
  });
  afterAll(async () => {
    await worker?.kill('SIGTERM');
    await server?.kill('SIGTERM');
    await smtp?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a campaign’s deadlines, is not ready while the server is away, and carries on when it returns', async () => {
    const first = await runCli(
      ['start', '--plan', await planAs('ready-a'), '--org', ORG, '--rehearse-from', '2010-09-10T10:00'],
      env,
    );
    expect(first.stderr).toBe('');
    const opened = await eventually('the first campaign’s notices', () => {
      const n = mailsOf('ready-a');
      return n > 0 ? n : undefined;
    });
    expect(opened).toBeGreaterThan(0);
    const ready = await probe('/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: 'ready', checks: { temporal: 'ok', ledger: 'ok', mail: 'ok' } });

    await server.kill('SIGTERM');
    const down = await probe('/ready');
    expect(down.status).toBe(503);
    // The check gives up after its 3 s, whatever the connection's own retries would do.
    expect(down.ms).toBeLessThan(5_000);
    const { status, checks } = JSON.parse(down.body) as { status: string; checks: Record<string, string> };
    expect(status).toBe('not ready');
    expect(checks).toMatchObject({ ledger: 'ok', mail: 'ok' });
    expect(checks.temporal).not.toBe('ok');
    expect(checks.temporal).toMatch(/UNAVAILABLE|connect|refused|deadline|no answer|transport/i);
    expect((await probe('/live')).status).toBe(200);

    server = await startServer();
    await eventually('ready again', async () =>
      (await probe('/ready').catch(() => undefined))?.status === 200 ? true : undefined,
    );
    const second = await runCli(
      ['start', '--plan', await planAs('ready-b'), '--org', ORG, '--rehearse-from', '2010-09-10T10:00'],
      env,
    );
    expect(second.stderr).toBe('');
    // The same plan from the same instant: as many notices as the first campaign's.
    await eventually('the second campaign’s notices', () => (mailsOf('ready-b') >= opened ? true : undefined));
  });
});

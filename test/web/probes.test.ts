/**
 * The web service as it runs in production: its own process (`web/main.ts`) beside a worker
 * process, on the dev server, with a SQLite ledger, a real SMTP server and the mini campaign
 * (the branches' Q3 reports open), and its /live, /ready and /metrics on WEB_METRICS_PORT:
 * - live and ready with every check named; the public port serves none of them;
 * - the Temporal server stopped: not ready, the failing part named (and only that one), still
 *   live; the server back on the same port and file: ready again;
 * - /metrics counts the requests made here by route template and status (never a token of the
 *   URL), a report accepted and one refused, a sign-in refused, and Node's own metrics.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../helpers/ports';
import { runCli, startDevServer, startWebProcess, startWorkerProcess, type Proc } from '../helpers/processes';
import { startSmtp, type TestSmtp } from '../helpers/smtp';
import { eventually, multipart, ORG, PLAN, TEST_API_TOKEN, TEST_LINK_SECRET } from '../helpers/web';
import { parseWebConfig } from '../../web/config';

/** The value of the sample `name` whose labels include `labels` (in any order), or undefined. */
function sample(page: string, name: string, labels: Record<string, string>): number | undefined {
  const want = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  for (const line of page.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = (m[2] ?? '').split(/,(?=[a-zA-Z_]+=")/);
    if (want.every((w) => have.includes(w))) return Number(m[3]);
  }
  return undefined;
}

describe('WEB_METRICS_PORT', () => {
  const env = { LINK_SECRET: TEST_LINK_SECRET, BASE_URL: 'https://campaign.example.edu.cn' };
  it('may not be the port the web service serves people on', () => {
    expect(() => parseWebConfig({ ...env, WEB_PORT: '8080', WEB_METRICS_PORT: '8080' })).toThrow(
      /WEB_METRICS_PORT: 8080 is the port the web service serves people on/,
    );
    expect(() => parseWebConfig({ ...env, WEB_METRICS_PORT: '443' })).toThrow(/WEB_METRICS_PORT: 443/);
    expect(parseWebConfig({ ...env, WEB_PORT: '8080', WEB_METRICS_PORT: '9465' })).toMatchObject({
      WEB_METRICS_PORT: 9465,
      WEB_METRICS_HOST: '127.0.0.1',
    });
  });
});

describe('the web service’s own /live, /ready and /metrics', () => {
  let dir: string;
  let smtp: TestSmtp;
  let server: Proc;
  let worker: Proc | undefined;
  let web: Proc | undefined;
  let temporalPort: number;
  let webPort: number;
  let probesPort: number;

  const probe = async (p: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`http://127.0.0.1:${probesPort}${p}`);
    return { status: res.status, body: await res.text() };
  };
  const site = (p: string, init?: RequestInit): Promise<Response> =>
    fetch(`http://127.0.0.1:${webPort}${p}`, { redirect: 'manual', ...init });
  const startServer = (): Promise<Proc> =>
    startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port: temporalPort });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'web-probes-'));
    smtp = await startSmtp();
    temporalPort = await freePort();
    server = await startServer();
    webPort = await freePort();
    probesPort = await freePort();
    const env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
      TASK_QUEUE: 'web-probes',
      LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
      MAIL_URL: smtp.url,
      BASE_URL: `http://127.0.0.1:${webPort}`,
      LINK_SECRET: TEST_LINK_SECRET,
      API_TOKEN: TEST_API_TOKEN,
      ORG,
      ATTACHMENTS_DIR: path.join(dir, 'attachments'),
      WEB_METRICS_PORT: String(probesPort),
    };
    worker = await startWorkerProcess(env);
    const started = await runCli(['start', '--plan', PLAN, '--org', ORG, '--rehearse-from', '2010-09-10T10:00'], env);
    expect(started.stderr).toBe('');
    web = await startWebProcess(env);
  });
  afterAll(async () => {
    await web?.kill('SIGTERM');
    await worker?.kill('SIGTERM');
    await server?.kill('SIGTERM');
    await smtp?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('counts requests by route template and status, reports and sign-ins by outcome, and shows no token', async () => {
    const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
    const json = { ...office, 'content-type': 'application/json' };
    const q3 = '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3';
    await eventually('the Q3 deadlines open', async () => {
      // By cycle: the branch plans (due in June) may be listed too while their ladders catch up.
      const rows = (await (
        await site('/api/v1/campaigns/mini/deadlines?cycle=2010-Q3', { headers: office })
      ).json()) as unknown[];
      return rows.length === 4 ? true : undefined;
    });

    expect((await site('/login')).status).toBe(200);
    const forged = `${'x'.repeat(40)}.forged-link-token`;
    expect((await site(`/s/${forged}`)).status).toBe(403);
    expect((await site('/no/such/page')).status).toBe(404);
    const accepted = await site(`${q3}/b-mech-t1/submit`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: '三季度汇报' }),
    });
    expect(accepted.status).toBe(200);
    const refused = await site(`${q3}/b-mech-s1/submit`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ text: ' ' }),
    });
    expect(refused.status).toBe(400);
    // A sign-in link that was never issued, posted with the form's CSRF token as a browser would.
    const form = await site('/login');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
    const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0]!;
    const signInToken = 'never-issued-sign-in-token-0123456789';
    const body = multipart({ _csrf: csrf });
    const signIn = await site(`/login/${signInToken}`, {
      method: 'POST',
      headers: { ...body.headers, cookie },
      body: body.payload,
    });
    expect(signIn.status).toBe(403);

    const res = await probe('/metrics');
    expect(res.status).toBe(200);
    const page = res.body;
    const requests = (labels: Record<string, string>) => sample(page, 'campaign_web_http_requests_total', labels);
    expect(requests({ method: 'GET', route: '/login', status: '200' })).toBe(2);
    expect(requests({ method: 'GET', route: '/s/:token', status: '403' })).toBe(1);
    expect(requests({ method: 'GET', route: 'unmatched', status: '404' })).toBe(1);
    expect(requests({ method: 'POST', route: '/login/:token', status: '403' })).toBe(1);
    const submitRoute = '/api/v1/campaigns/:campaignId/deadlines/:obligationKey/:cycleKey/:unitId/submit';
    expect(requests({ method: 'POST', route: submitRoute, status: '200' })).toBe(1);
    expect(requests({ method: 'POST', route: submitRoute, status: '400' })).toBe(1);
    expect(sample(page, 'campaign_web_http_request_seconds_count', { method: 'GET', route: '/s/:token' })).toBe(1);
    expect(sample(page, 'campaign_web_submissions_total', { kind: 'submission', outcome: 'accepted' })).toBe(1);
    expect(sample(page, 'campaign_web_submissions_total', { kind: 'submission', outcome: 'refused' })).toBe(1);
    expect(sample(page, 'campaign_web_sign_ins_total', { outcome: 'refused' })).toBe(1);
    expect(page).toMatch(/^nodejs_heap_size_used_bytes /m);
    // Route templates only: nothing of the URLs asked for, and no secret of the configuration.
    for (const secret of [forged, signInToken, 'b-mech-t1', 'no/such/page', TEST_API_TOKEN, TEST_LINK_SECRET])
      expect(page).not.toContain(secret);
  });

  it('is live and ready; with the Temporal server stopped it is not ready and says why, and is ready again when it returns', async () => {
    expect(await probe('/live')).toEqual({ status: 200, body: '{"status":"live"}' });
    const ready = await probe('/ready');
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({
      status: 'ready',
      checks: { temporal: 'ok', ledger: 'ok', mail: 'ok', attachments: 'ok' },
    });
    // Not on the port people reach: the proxy forwards that one to the internet.
    for (const p of ['/live', '/ready', '/metrics']) expect((await site(p)).status).toBe(404);

    await server.kill('SIGTERM');
    const down = await probe('/ready');
    expect(down.status).toBe(503);
    const { status, checks } = JSON.parse(down.body) as { status: string; checks: Record<string, string> };
    expect(status).toBe('not ready');
    expect(checks).toMatchObject({ ledger: 'ok', mail: 'ok', attachments: 'ok' });
    expect(checks.temporal).not.toBe('ok');
    expect(checks.temporal).toMatch(/UNAVAILABLE|connect|ECONNREFUSED|deadline|no answer/i);
    expect((await probe('/live')).status).toBe(200); // the process itself is fine

    server = await startServer();
    await eventually('ready again', async () =>
      (await probe('/ready').catch(() => undefined))?.status === 200 ? true : undefined,
    );
  });
});

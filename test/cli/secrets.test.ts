/**
 * Passwords never reach a log line or an error. One function redacts every URL the service
 * prints (config/redact.ts); here the worker and the command line run with passwords full of
 * `/`, `@`, `:`, `?` and `#` in their URLs, against a real PostgreSQL and the dev server, and
 * every line they print is searched for the password, as written and URL-encoded.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { redactSecrets, redactUrl } from '../../config/redact';
import { openSqlLedger } from '../../ledger/store';
import { startPostgres, type PgCluster } from '../helpers/postgres';
import { freePort } from '../helpers/ports';
import { runCli, startDevServer, startWebProcess, startWorkerProcess, type Proc } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const PASSWORD = 'Kp9/Tzu@Qwe:Rbn?Yxc#Lmo%';
const MAIL_PASSWORD = 'Hj4/Vfa@Nrs:42';
/** The key that signs links in mail: a secret of the configuration too. */
const LINK_SECRET = 'Zq8-link-signing-key-Wy3-0123456789';
/** The office's token for the JSON API. */
const API_TOKEN = 'Tk5-office-api-token-Rv2-0123456789';

/** Every form a password could be printed in. */
const forms = (pw: string): string[] => [
  pw,
  encodeURIComponent(pw),
  ...pw.split(/[/@:?#%]/).filter((p) => p.length >= 3),
];

function expectNoSecret(text: string): void {
  for (const f of [...forms(PASSWORD), ...forms(MAIL_PASSWORD), LINK_SECRET, API_TOKEN]) expect(text).not.toContain(f);
}

describe('redactUrl', () => {
  it.each([
    [
      'postgres://ledger:Pa/ss@w:rd?x#1%@db.example.org:5432/ledger',
      'postgres://ledger:***@db.example.org:5432/ledger',
    ],
    ['smtp://office:mail/se@cret:42@smtp.example.org:587', 'smtp://office:***@smtp.example.org:587'],
    ['postgres://ledger:p%2F%40%3A@127.0.0.1/db', 'postgres://ledger:***@127.0.0.1/db'],
    ['smtps://token@smtp.example.org', 'smtps://***@smtp.example.org'],
    [
      'postgres://127.0.0.1/db?user=ledger&password=s3cr/et&sslmode=disable',
      'postgres://127.0.0.1/db?user=ledger&password=***&sslmode=disable',
    ],
    ['sqlite:.data/ledger.sqlite', 'sqlite:.data/ledger.sqlite'],
    ['outbox:.data/outbox', 'outbox:.data/outbox'],
  ])('%s → %s', (url, shown) => {
    expect(redactUrl(url)).toBe(shown);
  });

  it('masks the secrets of the configuration wherever a message quotes them', () => {
    const url = `postgres://ledger:${PASSWORD}@h/db`;
    expect(redactSecrets(`auth failed for "${PASSWORD}" and ${encodeURIComponent(PASSWORD)}`, [url])).toBe(
      'auth failed for "***" and ***',
    );
  });
});

describe('the worker, the web service and the command line, with passwords set', () => {
  let dir: string;
  let cluster: PgCluster;
  let server: Proc;
  let address: string;
  const printed: string[] = [];

  const ledgerUrl = (password: string, port = cluster.port) =>
    `postgres://ledger:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`;
  const mailUrl = `smtp://office:${encodeURIComponent(MAIL_PASSWORD)}@127.0.0.1:2525`;
  /** As people write it, unencoded: the URL parser sees a port of "Hj4". */
  const rawMailUrl = `smtp://office:${MAIL_PASSWORD}@127.0.0.1:2525`;

  const cli = async (args: string[], env: Record<string, string>): Promise<string> => {
    const r = await runCli(args, env);
    return `${r.stdout}${r.stderr}`;
  };
  /** A worker that fails at start: everything it printed. */
  const failingWorker = (env: Record<string, string>): Promise<string> =>
    new Promise((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'worker', 'main.ts')],
        { cwd: ROOT, env: { ...process.env, TEMPORAL_ADDRESS: address, TASK_QUEUE: 'secrets', LINK_SECRET, ...env } },
        (_err, stdout, stderr) => resolve(`${stdout}${stderr}`),
      );
    });

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'secrets-'));
    cluster = await startPostgres();
    const admin = new pg.Client({ connectionString: cluster.url });
    await admin.connect();
    await admin.query(`ALTER ROLE ledger PASSWORD '${PASSWORD.replace(/'/g, "''")}'`);
    await admin.end();
    const port = await freePort();
    server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port });
    address = `127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await server?.kill('SIGTERM');
    cluster?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('the worker names its ledger and mail server without their passwords', async () => {
    const worker = await startWorkerProcess({
      TEMPORAL_ADDRESS: address,
      TASK_QUEUE: 'secrets',
      LINK_SECRET,
      LEDGER_URL: ledgerUrl(PASSWORD),
      MAIL_URL: mailUrl,
    });
    await worker.kill('SIGTERM');
    const out = worker.output();
    printed.push(out);
    expect(out).toContain(`ledger postgres://ledger:***@127.0.0.1:${cluster.port}/postgres`);
    expect(out).toContain('mail smtp://office:***@127.0.0.1:2525');
    expectNoSecret(out);
  });

  it('a wrong ledger password, an unreachable ledger and a mail URL that does not parse', async () => {
    const outs = await Promise.all([
      failingWorker({ LEDGER_URL: ledgerUrl(`${PASSWORD}x`), MAIL_URL: mailUrl }),
      failingWorker({ LEDGER_URL: ledgerUrl(PASSWORD, await freePort()), MAIL_URL: mailUrl }),
      failingWorker({ LEDGER_URL: `sqlite:${path.join(dir, 'l.sqlite')}`, MAIL_URL: rawMailUrl }),
    ]);
    printed.push(...outs);
    expect(outs[0]).toMatch(
      /cannot open the ledger at postgres:\/\/ledger:\*\*\*@127\.0\.0\.1.*password authentication failed/,
    );
    expect(outs[1]).toContain('cannot open the ledger at postgres://ledger:***@127.0.0.1');
    expect(outs[2]).toContain('invalid mail URL smtp://office:***@127.0.0.1:2525');
    for (const out of outs) expectNoSecret(out);
  });

  it('the command line, with the URL in the environment or in an option', async () => {
    const outs = await Promise.all([
      cli(['audit', '--campaign', 'c'], { LEDGER_URL: ledgerUrl(`${PASSWORD}x`) }),
      cli(
        ['audit', '--campaign', 'c', '--ledger', `postgres://ledger:${PASSWORD}@127.0.0.1:${await freePort()}/x`],
        {},
      ),
      cli(['audit', '--campaign', 'c', '--ledger', ledgerUrl(PASSWORD), '--report', 'gossip'], {}),
    ]);
    printed.push(...outs);
    expect(outs[0]).toContain('error [LEDGER_UNAVAILABLE]: cannot open the ledger at postgres://ledger:***@');
    expect(outs[1]).toContain('error [LEDGER_UNAVAILABLE]: cannot open the ledger at postgres://ledger:***@');
    expect(outs[2]).toContain('--report must be one of');
    for (const out of outs) expectNoSecret(out);
  });

  it('the web service, serving the API with its token, and failing to mail a sign-in link', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    let personal = '';
    const web = await startWebProcess({
      TEMPORAL_ADDRESS: address,
      LINK_SECRET,
      API_TOKEN,
      LEDGER_URL: ledgerUrl(PASSWORD),
      MAIL_URL: mailUrl, // nothing listens there: the sign-in mail fails and is logged
      BASE_URL: base,
      WEB_LOG_LEVEL: 'info',
      ATTACHMENTS_DIR: path.join(dir, 'attachments'),
    });
    try {
      const login = await fetch(`${base}/login`);
      const csrf = /name="_csrf" value="([^"]+)"/.exec(await login.text())?.[1] ?? '';
      const cookie = login.headers
        .getSetCookie()
        .map((c) => c.split(';')[0])
        .join('; ');
      const form = new FormData();
      form.set('_csrf', csrf);
      form.set('email', 'cxzy-office@example.org');
      expect((await fetch(`${base}/login`, { method: 'POST', body: form, headers: { cookie } })).status).toBe(200);
      const api = await fetch(`${base}/api/v1/campaigns`, { headers: { authorization: `Bearer ${API_TOKEN}` } });
      expect(api.status).toBe(200);
      const wrong = await fetch(`${base}/api/v1/campaigns`, { headers: { authorization: `Bearer ${LINK_SECRET}` } });
      expect(wrong.status).toBe(401);
      // A person's token, read only: used, refused a write, then altered; never printed either.
      const ledger = await openSqlLedger(ledgerUrl(PASSWORD));
      personal = (
        await ledger.apiTokens().create({ email: 'cxzy-office@example.org', name: 'secrets', access: 'read', days: 30 })
      ).token;
      await ledger.close();
      const bearer = (t: string) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
      expect((await fetch(`${base}/api/v1/campaigns`, { headers: bearer(personal) })).status).toBe(200);
      const write = await fetch(`${base}/api/v1/campaigns`, { method: 'POST', headers: bearer(personal), body: '{}' });
      expect(write.status).toBe(403);
      const altered = `${personal.slice(0, -1)}${personal.endsWith('A') ? 'B' : 'A'}`;
      expect((await fetch(`${base}/api/v1/campaigns`, { headers: bearer(altered) })).status).toBe(401);
      // The failed sign-in mail is logged (after the answer: it is sent in the background).
      const deadline = Date.now() + 30_000;
      while (!web.output().includes('sign-in mail not sent') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 200));
    } finally {
      await web.kill('SIGTERM');
    }
    const out = web.output();
    printed.push(out);
    expect(out).toContain('sign-in mail not sent');
    expectNoSecret(out);
    expect(personal).not.toBe('');
    // The secret is everything after `cpt_<id>_` (base64url, which has `_` of its own).
    expect(out).not.toContain(personal.slice('cpt_'.length + 13));
    const failing = await new Promise<string>((resolve) => {
      execFile(
        process.execPath,
        ['--import', 'tsx', path.join(ROOT, 'web', 'main.ts')],
        {
          cwd: ROOT,
          env: { ...process.env, TEMPORAL_ADDRESS: address, LINK_SECRET, LEDGER_URL: ledgerUrl(`${PASSWORD}x`) },
        },
        (_err, stdout, stderr) => resolve(`${stdout}${stderr}`),
      );
    });
    printed.push(failing);
    expect(failing).toContain('postgres://ledger:***@127.0.0.1');
    expectNoSecret(failing);
  });

  it('printed something in every run, and no password anywhere', () => {
    expect(printed).toHaveLength(9);
    for (const out of printed) expect(out.trim()).not.toBe('');
    expectNoSecret(printed.join('\n'));
  });
});

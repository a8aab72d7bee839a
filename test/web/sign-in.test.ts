/**
 * Sign-in by mailed link, on the real ledger (SQLite) and a real SMTP server, with no engine:
 * the link lasts 15 minutes (the store's clock is moved on, not waited for), is used once,
 * and only its hash is kept; behind HTTPS (BASE_URL https, a proxy in front) the session and
 * CSRF cookies are Secure and the service asks for HSTS.
 */
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Client } from '@temporalio/client';
import { CampaignClient } from '../../client/campaigns';
import { SIGN_IN_TTL_MS } from '../../ledger/sessions';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import { createMailer, createPlainSender } from '../../mail';
import { loadOrgFile } from '../../plans/load';
import { AttachmentStore } from '../../web/attachments';
import { parseWebConfig } from '../../web/config';
import { buildServer } from '../../web/server';
import { eventually, multipart, ORG, TEST_LINK_SECRET } from '../helpers/web';
import { startSmtp, type TestSmtp } from '../helpers/smtp';

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe('sign-in links', () => {
  let dir: string;
  let ledger: SqlLedger;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sign-in-'));
    ledger = await openSqlLedger(`sqlite:${path.join(dir, 'ledger.sqlite')}`);
  });
  afterAll(async () => {
    await ledger?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('last 15 minutes, are used once, and are kept only as hashes', async () => {
    let now = Date.parse('2010-09-10T02:00:00Z');
    const store = ledger.sessions(12 * 3600_000, () => now);
    const expiring = await store.issueSignIn('zhang.wei@example.org');
    const used = await store.issueSignIn('zhang.wei@example.org');

    now += SIGN_IN_TTL_MS - 1000;
    expect(await store.signInPending(expiring)).toBe(true);
    const session = await store.redeem(used);
    expect(session?.email).toBe('zhang.wei@example.org');
    expect(await store.redeem(used)).toBeUndefined(); // once
    expect(await store.session(session!.sessionId)).toBe('zhang.wei@example.org');

    now += 2000; // 15 minutes and a second after it was mailed
    expect(await store.signInPending(expiring)).toBe(false);
    expect(await store.redeem(expiring)).toBeUndefined();

    // The database file holds the hashes, never the token or the session id.
    await ledger.close();
    const file = path.join(dir, 'ledger.sqlite');
    const bytes = [file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f).toString('latin1'));
    const db = bytes.join('');
    for (const secret of [expiring, used, session!.sessionId]) {
      expect(db).not.toContain(secret);
      expect(db).toContain(sha256(secret));
    }
    ledger = await openSqlLedger(`sqlite:${file}`);
  });
});

describe('behind HTTPS', () => {
  let dir: string;
  let smtp: TestSmtp;
  let ledger: SqlLedger;
  let stop: () => Promise<void>;
  let app: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'https-'));
    smtp = await startSmtp();
    const config = parseWebConfig({
      LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
      MAIL_URL: smtp.url,
      BASE_URL: 'https://dangjian.example.edu.cn',
      WEB_PORT: '8080',
      LINK_SECRET: TEST_LINK_SECRET,
      ORG,
      ATTACHMENTS_DIR: path.join(dir, 'attachments'),
    });
    ledger = await openSqlLedger(config.LEDGER_URL);
    const mailer = await createMailer({
      url: config.MAIL_URL,
      from: config.MAIL_FROM,
      baseUrl: config.BASE_URL,
      linkSecret: config.LINK_SECRET,
      ledger,
    });
    const signInMail = createPlainSender(config.MAIL_URL, config.MAIL_FROM);
    // Signing in asks nothing of the engine: its client is never connected here.
    const client = new Client();
    app = await buildServer({
      config,
      campaigns: new CampaignClient(client),
      ledger,
      mailer,
      signInMail,
      sessions: ledger.sessions(config.SESSION_TTL_HOURS * 3600_000),
      org: await loadOrgFile(config.ORG),
      attachments: new AttachmentStore(config.ATTACHMENTS_DIR),
    });
    stop = async () => {
      await app.close();
      signInMail.close();
      await mailer.close();
      await ledger.close();
      await smtp.stop();
    };
  });
  afterAll(async () => {
    await stop?.();
    await rm(dir, { recursive: true, force: true });
  });

  /** As the proxy forwards a browser's HTTPS request. */
  const proxied = { 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.7' };
  const cookies = (res: { headers: Record<string, unknown> }): string[] =>
    ([] as string[]).concat((res.headers['set-cookie'] as string | string[] | undefined) ?? []);
  const formOf = async (url: string) => {
    const res = await app.inject({ method: 'GET', url, headers: proxied });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? '';
    return {
      res,
      csrf,
      cookie: cookies(res)
        .map((c) => c.split(';')[0])
        .join('; '),
    };
  };

  it('sets Secure cookies and HSTS', async () => {
    const login = await formOf('/login');
    expect(login.res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
    const csrfCookie = cookies(login.res).find((c) => c.startsWith('_csrf='));
    expect(csrfCookie).toMatch(/; Secure/);
    expect(csrfCookie).toMatch(/; HttpOnly/);

    const body = multipart({ _csrf: login.csrf, email: 'zhang.wei@example.org' });
    const asked = await app.inject({
      method: 'POST',
      url: '/login',
      payload: body.payload,
      headers: { ...body.headers, ...proxied, cookie: login.cookie },
    });
    expect(asked.statusCode).toBe(200);
    const mail = await eventually('sign-in mail', () =>
      smtp.received.find((r) => /登录链接/.test(r.mail.subject ?? '')),
    );
    const token = /https:\/\/dangjian\.example\.edu\.cn\/login\/([A-Za-z0-9_-]+)/.exec(mail.mail.text ?? '')?.[1];
    expect(token).toBeDefined();

    const confirm = await formOf(`/login/${token}`);
    const confirmBody = multipart({ _csrf: confirm.csrf });
    const done = await app.inject({
      method: 'POST',
      url: `/login/${token}`,
      payload: confirmBody.payload,
      headers: { ...confirmBody.headers, ...proxied, cookie: confirm.cookie },
    });
    expect(done.statusCode).toBe(303);
    const sid = cookies(done).find((c) => c.startsWith('sid='));
    expect(sid).toMatch(/; Secure/);
    expect(sid).toMatch(/; HttpOnly/);
    expect(sid).toMatch(/; SameSite=Lax/);
  });
});

/**
 * Sign-in by mailed link, on the real ledger (SQLite) and a real SMTP server, with no engine:
 * the link lasts 15 minutes (the store's clock is moved on, not waited for), is used once,
 * and only its hash is kept; behind HTTPS (BASE_URL https, a proxy in front) the session and
 * CSRF cookies are Secure and the service asks for HSTS.
 */
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { Client } from '@temporalio/client';
import { CampaignClient } from '../../client/campaigns';
import { SIGN_IN_TTL_MS } from '../../ledger/sessions';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import { parseWebConfig } from '../../web/config';
import { buildServer } from '../../web/server';
import { eventually, multipart, ORG, TEST_LINK_SECRET, webDeps } from '../helpers/web';
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

/**
 * The web service on a real ledger and SMTP server, its engine client never connected (signing
 * in asks nothing of the engine). `signInMailUrl` sends the sign-in mail elsewhere (a dead port).
 */
async function signInService(baseUrl: string, signInMailUrl?: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sign-in-web-'));
  const smtp = await startSmtp();
  const config = parseWebConfig({
    LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
    MAIL_URL: smtp.url,
    BASE_URL: baseUrl,
    WEB_PORT: '8080',
    LINK_SECRET: TEST_LINK_SECRET,
    ORG,
    ATTACHMENTS_DIR: path.join(dir, 'attachments'),
  });
  const { deps, close } = await webDeps(config, new CampaignClient(new Client()), signInMailUrl);
  const app = await buildServer(deps);
  const stop = async (): Promise<void> => {
    await app.close();
    await close();
    await smtp.stop();
    await rm(dir, { recursive: true, force: true });
  };
  return { app, smtp, stop };
}

describe('behind HTTPS', () => {
  let smtp: TestSmtp;
  let stop: () => Promise<void>;
  let app: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    ({ app, smtp, stop } = await signInService('https://dangjian.example.edu.cn'));
  });
  afterAll(async () => {
    await stop?.();
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

describe('when the sign-in mail cannot be sent', () => {
  let stop: () => Promise<void>;
  let app: Awaited<ReturnType<typeof buildServer>>;
  beforeAll(async () => {
    // A port that was free a moment ago: nothing answers there.
    const port = await new Promise<number>((resolve) => {
      const srv = net.createServer().listen(0, '127.0.0.1', () => {
        const p = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(p));
      });
    });
    ({ app, stop } = await signInService('http://localhost:8080', `smtp://127.0.0.1:${port}`));
  });
  afterAll(async () => {
    await stop?.();
  });

  it('answers a known address exactly as an unknown one', async () => {
    const ask = async (email: string) => {
      const login = await app.inject({ method: 'GET', url: '/login' });
      const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1] ?? '';
      const cookie = ([] as string[])
        .concat(login.headers['set-cookie'] ?? [])
        .map((c) => c.split(';')[0])
        .join('; ');
      const body = multipart({ _csrf: csrf, email });
      return app.inject({ method: 'POST', url: '/login', payload: body.payload, headers: { ...body.headers, cookie } });
    };
    const known = await ask('zhang.wei@example.org');
    const unknown = await ask('stranger@example.org');
    expect(known.statusCode).toBe(200);
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.body).toBe(known.body);
  });
});

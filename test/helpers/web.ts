/**
 * The web service against a real engine: the dev server and the worker in processes of their
 * own, a real SMTP server (smtp-server) receiving the mail, the ledger in a SQLite file both
 * sides open, and the mini campaign rehearsed from 10:00 on 10 September 2010 at real speed
 * (the branches' Q3 reports are open, due 25 September). `buildServer` runs in the test.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp, rm } from 'node:fs/promises';
import type { FastifyInstance } from 'fastify';
import { CampaignClient, connectClient } from '../../client/campaigns';
import { DateTime } from 'luxon';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import { createPlainSender } from '../../mail';
import type { Mailer } from '../../mail/types';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import type { Plan } from '../../domain/plan-schema';
import { AttachmentStore } from '../../web/attachments';
import { parseWebConfig, type WebConfig } from '../../web/config';
import { SESSION_COOKIE, type WebDeps } from '../../web/context';
import { LiveOrg } from '../../web/live-org';
import type { LinkTarget } from '../../web/links';
import { buildServer, DIRECTORY_CACHE_MS } from '../../web/server';
import { webMailer } from '../../web/mailer';
import { freePort } from './ports';
import { startDevServer, startWorkerProcess, type Proc } from './processes';
import { startSmtp, type TestSmtp } from './smtp';

const ROOT = path.resolve(__dirname, '..', '..');
export const PLAN = path.join(ROOT, 'test', 'fixtures', 'mini-plan.yaml');
export const ORG = path.join(ROOT, 'test', 'fixtures', 'mini-org.yaml');
export const TEST_LINK_SECRET = 'web-test-link-secret-0123456789abcdefghij';
export const TEST_API_TOKEN = 'web-test-office-api-token-0123456789abcdef';

/** The mini campaign's Q3 report of 机械学院教工第一党支部 (liu.yang is its liaison), as its link names it. */
export const Q3: LinkTarget = {
  campaignId: 'mini',
  obligationKey: 'quarterly-report',
  cycleKey: '2010-Q3',
  unitId: 'b-mech-t1',
  purpose: 'submit',
};

export interface WebHarness {
  dir: string;
  config: WebConfig;
  app: FastifyInstance;
  /** What `app` was built from: another app of other settings can share the engine and the ledger. */
  deps: WebDeps;
  smtp: TestSmtp;
  ledger: SqlLedger;
  campaigns: CampaignClient;
  mailer: Mailer;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Plan instant the rehearsal starts from, in the plan's zone. */
  from?: string;
  /** Listen on BASE_URL's port (for a browser or fetch), not only fastify.inject. */
  listen?: boolean;
  /** Another organisation file (a generated one for benchmarks). */
  org?: string;
  /** Another mail URL (an outbox for benchmarks); by default the test SMTP server. */
  mailUrl?: string;
  /** Plan milliseconds per server millisecond (1, real speed, by default; more compresses the plan). */
  scale?: number;
  /** Another plan than the mini one (e.g. with obligations opened by events). */
  plan?: Plan;
  /**
   * The campaign holds its organisation in the ledger by reference, as one the command line or the
   * console starts does; by default it carries it in its input.
   */
  orgByReference?: boolean;
}

export async function startWebHarness(opts: HarnessOptions = {}): Promise<WebHarness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'web-'));
  const smtp = await startSmtp();
  const temporalPort = await freePort();
  const server: Proc = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port: temporalPort });
  const webPort = await freePort();
  const env = {
    TEMPORAL_ADDRESS: `127.0.0.1:${temporalPort}`,
    TASK_QUEUE: 'web-test',
    LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
    MAIL_URL: opts.mailUrl ?? smtp.url,
    BASE_URL: `http://127.0.0.1:${webPort}`,
    LINK_SECRET: TEST_LINK_SECRET,
    API_TOKEN: TEST_API_TOKEN,
    ORG: opts.org ?? ORG,
    ATTACHMENTS_DIR: path.join(dir, 'attachments'),
    // A re-imported organisation reaches the very next mail (appoint.test.ts checks whom it goes to).
    CONTACTS_FRESH_SECONDS: '0',
  };
  const worker = await startWorkerProcess(env);
  const config = parseWebConfig(env);
  const org = await loadOrgFile(config.ORG);
  const client = await connectClient(config.temporal);
  // By reference, the client stores the organisation in the ledger and reads it from there.
  const orgs = opts.orgByReference ? await openSqlLedger(config.LEDGER_URL) : undefined;
  const campaigns = new CampaignClient(client, DIRECTORY_CACHE_MS, orgs);
  const plan = opts.plan ?? (await loadPlanFile(PLAN));
  const from = DateTime.fromISO(opts.from ?? '2010-09-10T10:00', { zone: plan.timeZone }).toMillis();
  await campaigns.start({
    plan,
    org,
    taskQueue: config.TASK_QUEUE,
    clock: { originPlanMs: from, originServerMs: Date.now(), scale: opts.scale ?? 1 },
  });
  const { deps, ledger, mailer, close } = await webDeps(config, campaigns);
  // The console knows a campaign by the units its first activity registers in the ledger: on a
  // busy machine the worker process may not have run it yet when a test asks its first page.
  await eventually(`campaign ${plan.id} registered its units`, async () =>
    (await ledger.units(plan.id)).length > 0 ? true : undefined,
  );
  const app = await buildServer(deps);
  if (opts.listen) await app.listen({ host: '127.0.0.1', port: webPort });
  return {
    dir,
    config,
    app,
    deps,
    smtp,
    ledger,
    campaigns,
    mailer,
    async stop() {
      await app.close();
      await close();
      await orgs?.close();
      await client.connection.close();
      await worker.kill();
      await server.kill('SIGTERM');
      await smtp.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The web service's log in a test: a request that failed (a 500) is printed with its error and
 * stack, beside the test that met it; jest would not show the service's own stdout.
 */
const testLogDestination = {
  write(line: string): void {
    if (line.includes('"level":"error"')) console.error(`web service: ${line.trim()}`);
  },
};

/**
 * What the web service runs on besides the engine: the ledger, the mailer, the sign-in mail (to
 * `signInMailUrl` if given, e.g. a dead port), sessions, the organisation of `ORG` and its
 * re-imports (as web/main.ts has it) and the attachment store.
 */
export async function webDeps(config: WebConfig, campaigns: CampaignClient, signInMailUrl?: string) {
  const ledger = await openSqlLedger(config.LEDGER_URL);
  // As web/main.ts has it: to the current contacts, those deferred asked again by the worker.
  const mailer = await webMailer(config, ledger, campaigns.client, (msg, err) => {
    throw new Error(`${msg}: ${String(err)}`);
  });
  const signInMail = createPlainSender(signInMailUrl ?? config.MAIL_URL, config.MAIL_FROM);
  const deps: WebDeps = {
    config,
    campaigns,
    ledger,
    mailer,
    signInMail,
    sessions: ledger.sessions(config.SESSION_TTL_HOURS * 3600_000),
    apiTokens: ledger.apiTokens(),
    org: await LiveOrg.open(config.ORG, ledger, { freshMs: config.CONTACTS_FRESH_SECONDS * 1000, log: () => {} }),
    attachments: new AttachmentStore(config.ATTACHMENTS_DIR),
    logDestination: testLogDestination,
  };
  const close = async (): Promise<void> => {
    signInMail.close();
    await mailer.close();
    await ledger.close();
  };
  return { deps, ledger, mailer, close };
}

/** A zip of stored (uncompressed) entries: local headers and data, as zip tools begin an archive. */
export function storedZip(entries: Record<string, string>): Buffer {
  const parts: Buffer[] = [];
  for (const [name, text] of Object.entries(entries)) {
    const data = Buffer.from(text);
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0); // local file header signature
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt32LE(data.length, 18); // compressed size
    header.writeUInt32LE(data.length, 22); // uncompressed size
    header.writeUInt16LE(Buffer.byteLength(name), 26);
    parts.push(header, Buffer.from(name), data);
  }
  return Buffer.concat(parts);
}

/**
 * Posts a form of the web service as `headers` (the office's token, a session cookie), with the
 * CSRF token and cookie of a form page: the page itself, or `from` when it has no form of its own.
 */
/** A page's text without its markup, spaces folded: what a person reads. */
export const pageText = (body: string): string =>
  body
    .replace(/<[^>]+>/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();

export async function formPost(
  h: Pick<WebHarness, 'app'>,
  url: string,
  fields: Record<string, string | string[]>,
  headers: Record<string, string>,
  from = url,
  files: Upload[] = [],
) {
  const page = await h.app.inject({ method: 'GET', url: from, headers });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
  const cookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((c) => c.startsWith('_csrf='));
  const form = multipart({ _csrf: csrf, ...fields }, files);
  return h.app.inject({
    method: 'POST',
    url,
    payload: form.payload,
    // A session's cookie (in `headers`) goes with the form's CSRF cookie, as a browser sends both.
    headers: {
      ...headers,
      ...form.headers,
      cookie: [headers.cookie, cookie?.split(';')[0]].filter(Boolean).join('; '),
    },
  });
}

/** A signed session cookie for a person of the organisation, as following her sign-in link leaves. */
export async function sessionCookie(h: Pick<WebHarness, 'app' | 'deps'>, email: string): Promise<string> {
  const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn(email)))!;
  return `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}`;
}

/** Waits until `pick` finds something (mail arrives, visibility catches up). */
export async function eventually<T>(
  what: string,
  pick: () => T | undefined | Promise<T | undefined>,
  ms = 60_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await pick();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`${what}: not seen after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The signed link in a received mail to `to` whose subject matches. */
export function linkIn(smtp: TestSmtp, to: string, subject: RegExp): string | undefined {
  const m = smtp.received.find((r) => r.envelopeTo.includes(to) && subject.test(r.mail.subject ?? ''));
  return m ? /https?:\/\/\S+\/s\/[A-Za-z0-9._-]+/.exec(m.mail.text ?? '')?.[0] : undefined;
}

/** A link's page and its CSRF token and cookie, as a browser gets them. */
export async function openLink(h: WebHarness, token: string) {
  const res = await h.app.inject({ method: 'GET', url: `/s/${token}` });
  const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1];
  const cookie = String(res.headers['set-cookie'] ?? '').split(';')[0]!;
  return { res, csrf, cookie };
}

export type LinkForm = { csrf?: string; cookie: string };
export type Upload = { name: string; filename: string; type: string; content: Buffer };

/** Posts a link's form (opening the page first for its CSRF token, unless given one). */
export async function postLink(
  h: WebHarness,
  token: string,
  fields: Record<string, string>,
  files: Upload[] = [],
  form?: LinkForm,
) {
  const { csrf, cookie } = form ?? (await openLink(h, token));
  const body = multipart({ _csrf: csrf ?? '', ...fields }, files);
  return h.app.inject({
    method: 'POST',
    url: `/s/${token}`,
    payload: body.payload,
    headers: { ...body.headers, cookie },
  });
}

/** A multipart/form-data body, as a browser sends a form. */
export function multipart(
  fields: Record<string, string | string[]>,
  files: Upload[] = [],
): { payload: Buffer; headers: Record<string, string> } {
  const boundary = `----web-test-${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  // A list repeats its field, as a form's ticked boxes of one name do.
  for (const [k, vs] of Object.entries(fields)) {
    for (const v of ([] as string[]).concat(vs))
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
  }
  for (const f of files) {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${f.name}"; filename="${f.filename}"\r\nContent-Type: ${f.type}\r\n\r\n`,
      ),
      f.content,
      Buffer.from('\r\n'),
    );
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(chunks), headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

/** A small valid PDF (one empty page). */
export function tinyPdf(label = 'report'): Buffer {
  return Buffer.from(
    `%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n` +
      `3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 200 200]>>endobj\n% ${label}\ntrailer<</Root 1 0 R>>\n%%EOF\n`,
  );
}

/**
 * The weekly digest switched on and off from the office's dashboard, and asked for at a
 * campaign's start through the API, on the dev server with the service's own worker process and a
 * real SMTP server, the organisation stored in the ledger as every person's start stores it: once on, the digest of Monday 13 September 2010, 08:30 plan time (the mini
 * campaign runs twenty times as fast from 08:20), reaches the committees and the office, each
 * deadline under its signed link. Refused: another value than on or off, a committee's secretary,
 * a form without its CSRF token, a start's `digest` that is not true or false.
 */
import { readFileSync } from 'node:fs';
import { digestOn } from '../../client/digest';
import { verifyLink } from '../../web/links';
import { runCli } from '../helpers/processes';
import {
  eventually,
  formPost,
  multipart,
  pageText,
  PLAN,
  sessionCookie,
  startWebHarness,
  TEST_API_TOKEN,
  type WebHarness,
} from '../helpers/web';

const office = { authorization: `Bearer ${TEST_API_TOKEN}` };

describe('the weekly digest from the console and the API', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ from: '2010-09-13T08:20', scale: 20, orgByReference: true });
  });
  afterAll(async () => {
    await h?.stop();
  });
  const get = (url: string, headers: Record<string, string> = office) => h.app.inject({ method: 'GET', url, headers });
  const toggle = (digest: string, headers: Record<string, string> = office) =>
    formPost(h, '/console/mini/digest', { digest }, headers, '/console/mini');

  it('is off until the office turns it on; then Monday’s digest goes out, each deadline under its signed link', async () => {
    expect(pageText((await get('/console/mini')).body)).toContain('每周督办简报 未开启。');
    const done = await toggle('on');
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/console/mini#digest');
    expect(await digestOn(h.campaigns.client, 'mini')).toBe(true);
    expect(pageText((await get('/console/mini')).body)).toContain('每周督办简报 已开启');

    const mail = await eventually(
      'the committee’s digest',
      () => h.smtp.received.find((r) => /【督办简报】机械工程学院党委/.test(r.mail.subject ?? '')),
      90_000,
    );
    expect(mail.envelopeTo).toEqual(['li.mech@example.org']);
    expect(mail.mail.subject).toBe('【督办简报】机械工程学院党委：逾期未报2项，7日内到期0项（2010年9月13日）');
    const links = [...(mail.mail.text ?? '').matchAll(/\/s\/([A-Za-z0-9._-]+)/g)].map((m) => m[1]!);
    expect(links).toHaveLength(2);
    expect(links.map((token) => verifyLink(h.config.LINK_SECRET, token)?.unitId).sort()).toEqual([
      'b-mech-s1',
      'b-mech-t1',
    ]);
    await eventually('the office’s digest', () =>
      h.smtp.received.find(
        (r) => /【督办简报】校党委组织部/.test(r.mail.subject ?? '') && r.envelopeTo.includes('office@example.org'),
      ),
    );
  });

  it('is refused to anyone but the office, without its token, and for another value', async () => {
    const li = { cookie: await sessionCookie(h, 'li.mech@example.org') };
    expect(pageText((await get('/console/mini', li)).body)).not.toContain('每周督办简报');
    expect((await formPost(h, '/console/mini/digest', { digest: 'off' }, li, '/console/mini')).statusCode).toBe(403);
    expect((await toggle('maybe')).statusCode).toBe(400);
    const form = multipart({ digest: 'off' });
    const forged = await h.app.inject({
      method: 'POST',
      url: '/console/mini/digest',
      headers: { ...office, ...form.headers },
      payload: form.payload,
    });
    expect(forged.statusCode).toBe(403);
    expect(await digestOn(h.campaigns.client, 'mini')).toBe(true);
  });

  it('is turned off by the office', async () => {
    expect((await toggle('off')).statusCode).toBe(303);
    await eventually('the digest stopped', async () =>
      (await digestOn(h.campaigns.client, 'mini')) ? undefined : true,
    );
    expect(pageText((await get('/console/mini')).body)).toContain('每周督办简报 未开启。');
  });

  it('is switched from the command line as well', async () => {
    const cli = (...args: string[]) =>
      runCli(['--lang', 'zh', 'digest', 'mini', ...args], {
        TEMPORAL_ADDRESS: h.config.temporal.address,
        TASK_QUEUE: h.config.TASK_QUEUE,
        LEDGER_URL: h.config.LEDGER_URL,
      });
    expect((await cli()).stdout).toContain('活动 mini 的每周督办简报：未开启');
    const on = await cli('on');
    expect(on.stderr).toBe('');
    expect(on.stdout).toContain('已开启');
    expect(await digestOn(h.campaigns.client, 'mini')).toBe(true);
    expect(JSON.parse((await cli('--json')).stdout)).toEqual({ campaignId: 'mini', digest: true });
    const bad = await cli('maybe');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('the switch is "on" or "off"');
    expect((await cli('off')).code).toBe(0);
    await eventually('the digest stopped', async () =>
      (await digestOn(h.campaigns.client, 'mini')) ? undefined : true,
    );
  });

  it('is asked for at a campaign’s start through the API', async () => {
    const plan = readFileSync(PLAN, 'utf8').replace(/^id: mini$/m, 'id: mini-digest');
    const start = (body: unknown) =>
      h.app.inject({ method: 'POST', url: '/api/v1/campaigns', headers: office, payload: body as object });
    const bad = await start({ plan, digest: 'yes' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [expect.objectContaining({ field: 'body.digest' })] });
    const res = await start({ plan, digest: true, rehearseSpeed: 1 });
    expect(res.statusCode).toBe(200);
    expect(await digestOn(h.campaigns.client, 'mini-digest')).toBe(true);
  });
});

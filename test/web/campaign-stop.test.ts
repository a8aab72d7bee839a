/**
 * The office stops a campaign from its dashboard (终止活动), on the dev server with the service's
 * own worker process and a real SMTP server: the page says what will become of the deadlines open
 * now; the stop takes the reason and the tick, and CSRF; only the office may. Once stopped, every
 * unit is mailed 活动终止的通知 with who and why, each open deadline is waived with the reason,
 * the dashboard says so in place of the phase buttons, and the campaign completes. The API and the
 * command line refuse a second stop, and the API names the missing field.
 */
import { campaignWorkflowId } from '../../domain/engine/context';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { expectFitsPhone, launchBrowser, phonePage } from '../helpers/browser';
import { runCli } from '../helpers/processes';
import {
  eventually,
  formPost,
  multipart,
  pageText,
  sessionCookie,
  startWebHarness,
  TEST_API_TOKEN,
  type WebHarness,
} from '../helpers/web';

const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
const REASON = '校党委决定调整活动方案，另行部署';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'web');

describe('the office stops a campaign', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ from: '2010-06-20T10:00', orgByReference: true, listen: true });
  });
  afterAll(async () => {
    await h?.stop();
  });
  const get = (url: string, headers: Record<string, string> = office) => h.app.inject({ method: 'GET', url, headers });
  const api = (payload: object) =>
    h.app.inject({ method: 'POST', url: '/api/v1/campaigns/mini/stop', headers: office, payload });

  it('is offered to the office alone, saying what becomes of the open deadlines', async () => {
    expect(pageText((await get('/console/mini')).body)).toContain('终止活动…');
    const li = { cookie: await sessionCookie(h, 'li.mech@example.org') };
    expect(pageText((await get('/console/mini', li)).body)).not.toContain('终止活动');
    expect((await get('/console/mini/stop', li)).statusCode).toBe(403);
    const page = await eventually('the four branch plans counted open', async () => {
      const text = pageText((await get('/console/mini/stop')).body);
      return text.includes('目前尚未报送的 4 项（含领导点评）将一律免报') ? text : undefined;
    });
    expect(page).toContain('终止不能撤销');
    expect(
      (await formPost(h, '/console/mini/stop', { reason: REASON, confirm: 'yes' }, li, '/console/mini')).statusCode,
    ).toBe(403);
  });

  it('is refused without the tick, the reason or the CSRF token, and the API names the field', async () => {
    const noTick = await formPost(h, '/console/mini/stop', { reason: REASON }, office);
    expect(noTick.statusCode).toBe(400);
    expect(pageText(noTick.body)).toContain('请勾选“确认执行”后再提交。');
    expect((await formPost(h, '/console/mini/stop', { reason: '', confirm: 'yes' }, office)).statusCode).toBe(400);
    const form = multipart({ reason: REASON, confirm: 'yes' });
    const forged = await h.app.inject({
      method: 'POST',
      url: '/console/mini/stop',
      headers: { ...office, ...form.headers },
      payload: form.payload,
    });
    expect(forged.statusCode).toBe(403);
    const bad = await api({});
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [expect.objectContaining({ field: 'body.reason' })] });
    expect((await api({ reason: REASON, by: 'someone else' })).statusCode).toBe(400);
    expect((await h.campaigns.status('mini')).stopped).toBeUndefined();
  });

  it('stops: every unit mailed, the open deadlines waived, the dashboard says so, the campaign completes', async () => {
    const done = await formPost(h, '/console/mini/stop', { reason: REASON, confirm: 'yes' }, office);
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe('/console/mini');

    const mail = await eventually('a branch told', () =>
      h.smtp.received.find(
        (r) => r.envelopeTo.includes('chen.jing@example.org') && /活动终止/.test(r.mail.subject ?? ''),
      ),
    );
    expect(mail.mail.subject).toBe('【创先争优测试活动】活动终止的通知');
    expect(mail.mail.text).toMatch(
      /已于2010年6月20日（星期日）\d\d:\d\d由api-token决定终止。\n终止原因：校党委决定调整活动方案，另行部署\n/,
    );
    expect(mail.mail.text).toContain('尚未报送的各项材料不必再报送');

    await eventually('the campaign completed', async () =>
      (await h.campaigns.client.workflow.getHandle(campaignWorkflowId('mini')).describe()).status.name === 'COMPLETED'
        ? true
        : undefined,
    );
    const waivers = await h.ledger.events({ campaignId: 'mini', kinds: ['waiver'] });
    expect(waivers.map((w) => w.unitId).sort()).toEqual(['b-info-s1', 'b-info-t1', 'b-mech-s1', 'b-mech-t1']);
    expect(new Set(waivers.map((w) => w.reason))).toEqual(new Set([`活动终止：${REASON}`]));
    const told = (await h.ledger.events({ campaignId: 'mini', kinds: ['message-sent'] })).filter(
      (e) => e.step === 'campaign-stopped',
    );
    expect(told.length).toBeGreaterThanOrEqual(6);

    const dashboard = pageText((await get('/console/mini')).body);
    expect(dashboard).toContain('活动已终止');
    expect(dashboard).toContain(REASON);
    expect(dashboard).not.toContain('进入下一阶段…');
    // The phase running at the stop ended then; none is running since.
    expect(dashboard).not.toContain('进行中');
    expect(dashboard).not.toContain('终止活动…');
    // Nothing more to switch on: the digest of a stopped campaign is refused.
    expect(dashboard).not.toContain('每周督办简报');
    expect((await h.campaigns.status('mini')).completed).toBe(true);
    expect((await formPost(h, '/console/mini/digest', { digest: 'on' }, office, '/console/new')).statusCode).toBe(409);
    expect((await get('/console/mini/stop')).statusCode).toBe(409);
    expect(pageText((await get('/console')).body)).toMatch(/已终止 2010年6月20日（星期日）\d\d:\d\d/);

    // On the office's phone: the dashboard says it, and fits.
    const browser = await launchBrowser();
    try {
      const page = await phonePage(browser, h.config.BASE_URL, await sessionCookie(h, 'office@example.org'));
      await page.goto(`${h.config.BASE_URL}/console/mini`);
      expect(pageText(await page.locator('#stopped').innerHTML())).toMatch(
        /活动已终止 2010年6月20日（星期日）\d\d:\d\d · api-token · 理由：校党委决定调整活动方案，另行部署/,
      );
      mkdirSync(ARTIFACTS, { recursive: true });
      await expectFitsPhone(page, path.join(ARTIFACTS, 'campaign-stopped.png'));
    } finally {
      await browser.close();
    }
  });

  it('refuses a second stop through the API and the command line', async () => {
    const again = await api({ reason: REASON });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ title: '活动已终止' });
    const cli = await runCli(['--lang', 'zh', 'stop', 'mini', '--by', '组织部', '--reason', '再次终止'], {
      TEMPORAL_ADDRESS: h.config.temporal.address,
      TASK_QUEUE: h.config.TASK_QUEUE,
      LEDGER_URL: h.config.LEDGER_URL,
    });
    expect(cli.code).not.toBe(0);
    expect(cli.stderr).toMatch(/the campaign was stopped at/);
    const status = await runCli(['--lang', 'zh', 'status', 'mini'], {
      TEMPORAL_ADDRESS: h.config.temporal.address,
      TASK_QUEUE: h.config.TASK_QUEUE,
      LEDGER_URL: h.config.LEDGER_URL,
    });
    expect(status.stdout).toMatch(
      /^已终止：2010年6月20日（星期日）\d\d:\d\d（api-token），理由：校党委决定调整活动方案，另行部署$/m,
    );
  });
});

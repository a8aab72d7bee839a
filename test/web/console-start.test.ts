/**
 * The office starts a campaign from the console (`/console/new`), on the dev server with a
 * worker: a shipped plan is previewed (its phases in China time with the weekday, what each
 * obligation opens, the deadlines on the service's roster, the warning that its dates are past)
 * and nothing starts; a broken plan is answered with its problems by line and field; an uploaded
 * plan confirmed as a rehearsal starts, and the same id cannot start twice. Nobody but the
 * office may see or post the page, and a post without the form's CSRF token is refused. In a
 * real browser at a phone's width, the preview reads whole and nothing scrolls sideways
 * (test-artifacts/console/start-preview.png), and so does the dashboard of the campaign started,
 * saying who started it (started-dashboard.png).
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { deflateRawSync } from 'node:zlib';
import { DateTime } from 'luxon';
import { forgetCampaign } from '../helpers/forget-campaign';
import { expectFitsPhone, launchBrowser, phonePage } from '../helpers/browser';
import {
  eventually,
  formPost,
  multipart,
  PLAN,
  sessionCookie,
  startWebHarness,
  pageText as text,
  type Upload,
  type WebHarness,
} from '../helpers/web';

const PAGE = '/console/new';

describe('the office starts a campaign in the console', () => {
  let h: WebHarness;
  let office: Record<string, string>;
  beforeAll(async () => {
    h = await startWebHarness({ listen: true });
    office = { cookie: await sessionCookie(h, 'office@example.org') };
  });
  afterAll(async () => {
    await h?.stop();
  });

  const planUpload = (filename: string, content: string): Upload => ({
    name: 'plan',
    filename,
    type: 'application/yaml',
    content: Buffer.from(content, 'utf8'),
  });
  const hidden = (page: string, name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
  const miniText = async (id: string) => (await readFile(PLAN, 'utf8')).replace(/^id: mini$/m, `id: ${id}`);

  it('is the office’s alone, and refuses a post without the form’s token', async () => {
    // A branch's secretary and a committee's: neither sees the page nor starts anything.
    for (const email of ['chen.jing@example.org', 'li.mech@example.org']) {
      const headers = { cookie: await sessionCookie(h, email) };
      expect((await h.app.inject({ method: 'GET', url: PAGE, headers })).statusCode).toBe(403);
      expect((await formPost(h, PAGE, { shipped: '003-changchun.yaml' }, headers, '/console')).statusCode).toBe(403);
      const confirm = { plan: 'x', mode: 'live', confirm: 'yes' };
      expect((await formPost(h, `${PAGE}/confirm`, confirm, headers, '/console')).statusCode).toBe(403);
    }
    const secretary = { cookie: await sessionCookie(h, 'chen.jing@example.org') };
    expect((await h.app.inject({ method: 'GET', url: PAGE })).statusCode).toBe(401);
    const form = multipart({ shipped: '003-changchun.yaml' });
    const forged = await h.app.inject({
      method: 'POST',
      url: PAGE,
      payload: form.payload,
      headers: { ...office, ...form.headers },
    });
    expect(forged.statusCode).toBe(403);
    // The office reaches the page from the list of campaigns.
    const list = (await h.app.inject({ method: 'GET', url: '/console', headers: office })).body;
    expect(list).toContain('href="/console/new"');
    const secretaryList = (await h.app.inject({ method: 'GET', url: '/console', headers: secretary })).body;
    expect(secretaryList).not.toContain('href="/console/new"');
  });

  it('previews a shipped plan, in China time with the weekday, and starts nothing', async () => {
    const page = (await h.app.inject({ method: 'GET', url: PAGE, headers: office })).body;
    for (const f of ['000-hnust', '001-changzhou', '002-harbin', '003-changchun', '004-template'])
      expect(page).toContain(`value="${f}.yaml"`);
    const before = await h.ledger.campaigns();
    const res = await formPost(h, PAGE, { shipped: '003-changchun.yaml' }, office);
    expect(res.statusCode).toBe(200);
    const said = text(res.body);
    expect(said).toMatch(/预览：\S+ changchun-2010/);
    // Its phases, by the plan's own days, with the weekday.
    expect(said).toMatch(/阶段 .*?：2010年\d+月\d+日（星期.） 至 20\d\d年\d+月\d+日（星期.）/);
    expect(said).toMatch(/按本服务的组织名册（7 个单位）将开启 \d+ 个报送事项/);
    // Each obligation's first and last due instant, in China time with the weekday.
    expect(said).toMatch(/20\d\d年\d+月\d+日（星期.）\d\d:\d\d 20\d\d年\d+月\d+日（星期.）\d\d:\d\d/);
    expect(said).toContain('已有');
    expect(res.body).toContain('id="past-due"');
    expect(res.body).toMatch(/name="mode" value="live" checked/);
    expect(hidden(res.body, 'plan')).toMatch(/^[A-Za-z0-9_-]+$/);
    // In English, by the plan's own English where it has some.
    const en = await formPost(h, PAGE, { shipped: '003-changchun.yaml' }, { cookie: `${office.cookie}; lang=en` });
    expect(text(en.body)).toMatch(
      /Preview: Changchun Medical College .* Broad mobilisation and arrangements: \w{3} \d+ \w{3} 2010 to /,
    );
    expect(await h.ledger.campaigns()).toEqual(before);
    await expect(h.campaigns.status('changchun-2010')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
  });

  it('answers a broken plan with its problems by line and field, and an unknown shipped plan', async () => {
    const broken = (await miniText('mini-broken')).replace("start: '2010-06-01'", "start: '2010-02-30'");
    const res = await formPost(h, PAGE, {}, office, PAGE, [planUpload('方案.yaml', broken)]);
    expect(res.statusCode).toBe(400);
    const said = text(res.body);
    expect(said).toContain('方案有误，未启动：方案.yaml');
    expect(said).toMatch(/第 \d+ 行第 \d+ 列 phases\[0\]\.start /);
    const unknown = await formPost(h, PAGE, { shipped: '../../etc/passwd' }, office);
    expect(unknown.statusCode).toBe(400);
    expect(text(unknown.body)).toContain('没有这个随附方案');
    const empty = await formPost(h, PAGE, {}, office);
    expect(empty.statusCode).toBe(400);
    expect(text(empty.body)).toContain('请选择要上传的方案文件');
  });

  it('starts an uploaded plan as a rehearsal once confirmed, and the same id only once', async () => {
    const preview = await formPost(h, PAGE, {}, office, PAGE, [
      planUpload('mini.yaml', await miniText('mini-console')),
    ]);
    expect(preview.statusCode).toBe(200);
    const fields = { plan: hidden(preview.body, 'plan'), file: hidden(preview.body, 'file') };
    // A mode that is none of the three (an object's own property name, say), or not ticked: nothing starts.
    const odd = await formPost(h, `${PAGE}/confirm`, { ...fields, mode: 'toString', confirm: 'yes' }, office, PAGE);
    expect(odd.statusCode).toBe(400);
    expect(text(odd.body)).toContain('请选择运行方式');
    // Not ticked: nothing starts.
    const unticked = await formPost(h, `${PAGE}/confirm`, { ...fields, mode: 'rehearse-real-time' }, office, PAGE);
    expect(unticked.statusCode).toBe(400);
    await expect(h.campaigns.status('mini-console')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
    // What comes back is checked again in full: a broken plan, or no plan at all, starts nothing.
    const broken = (await miniText('mini-console')).replace("start: '2010-06-01'", "start: '2010-02-30'");
    const confirmWith = (plan: string) =>
      formPost(h, `${PAGE}/confirm`, { ...fields, plan, mode: 'rehearse-real-time', confirm: 'yes' }, office, PAGE);
    const bent = await confirmWith(deflateRawSync(Buffer.from(broken)).toString('base64url'));
    expect(bent.statusCode).toBe(400);
    expect(text(bent.body)).toContain('方案有误');
    const garbled = await confirmWith('not*base64');
    expect(garbled.statusCode).toBe(400);
    expect(text(garbled.body)).toContain('没有找到预览过的方案');
    await expect(h.campaigns.status('mini-console')).rejects.toMatchObject({ code: 'CAMPAIGN_NOT_FOUND' });
    const started = await confirmWith(fields.plan);
    expect(started.statusCode).toBe(200);
    expect(text(started.body)).toContain('活动已启动：创先争优测试活动 活动编号 mini-console，实时演练');
    expect(started.body).toContain('href="/console/mini-console"');
    const status = await h.campaigns.status('mini-console');
    expect(status.title).toBe('创先争优测试活动');
    // Rehearsed from the day before its first phase: nothing of it is due yet.
    expect(status.currentPhase ?? null).toBeNull();
    // Who started it, from where, is in the ledger: on the plan's clock, with the engine's run.
    const { runId } = await h.campaigns.campaign('mini-console').describe();
    const starts = async () => h.ledger.events({ campaignId: 'mini-console', kinds: ['campaign-started'] });
    expect(await starts()).toEqual([
      expect.objectContaining({
        id: `mini-console:campaign-started:${runId}`,
        actor: 'office@example.org',
        at: expect.stringMatching(/^2010-05-30T16:0/),
        data: expect.objectContaining({ via: 'console', runId, rehearsalScale: 1 }),
      }),
    ]);
    // …and on its dashboard, by the wall clock in China time (the campaign registers its units first).
    const dashboard = await eventually('the dashboard', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/console/mini-console', headers: office });
      return res.statusCode === 200 ? text(res.body) : undefined;
    });
    const today = DateTime.now().setZone('Asia/Shanghai').setLocale('zh-CN').toFormat('yyyy年M月d日（cccc）');
    expect(dashboard).toMatch(
      new RegExp(`发起：office@example\\.org · 经控制台 · ${today}\\d\\d:\\d\\d · 演练（按实际时间推进）`),
    );
    // Again: the preview says it is taken and offers no confirmation; a forced confirmation is refused.
    const again = await formPost(h, PAGE, {}, office, PAGE, [planUpload('mini.yaml', await miniText('mini-console'))]);
    expect(again.body).toContain('id="exists"');
    expect(again.body).not.toContain('action="/console/new/confirm"');
    const twice = await confirmWith(fields.plan);
    expect(twice.statusCode).toBe(409);
    expect(text(twice.body)).toContain('活动已存在');
    expect(await starts()).toHaveLength(1);

    // Once the engine no longer holds it (its retention passed), the dashboard still names the
    // campaign, its phases and who started it, from the plan its start recorded in the ledger.
    await forgetCampaign(h.campaigns.client, 'mini-console');
    const forgotten = await eventually('the dashboard from the ledger alone', async () => {
      await new Promise((r) => setTimeout(r, 200));
      const res = await h.app.inject({ method: 'GET', url: '/console/mini-console', headers: office });
      return res.statusCode === 200 && !res.body.includes('/advance') ? text(res.body) : undefined;
    });
    expect(forgotten).toContain('创先争优测试活动 · 创先争优活动办公室');
    expect(forgotten).toContain('引擎中已没有这项活动的运行（已结束并过了保存期限，或已被删除）；以下据台帐显示。');
    expect(forgotten).not.toContain('计划时间');
    expect(forgotten).toMatch(/动员部署 已结束 2010年6月1日（星期二）00:00 — 2010年7月1日（星期四）00:00 全面争创/);
    expect(forgotten).toContain('发起：office@example.org · 经控制台');
    // Its id stays taken: the ledger keeps its history.
    const later = await formPost(h, `${PAGE}/confirm`, { ...fields, mode: 'live', confirm: 'yes' }, office, PAGE);
    expect(later.statusCode).toBe(409);
    await expect(h.campaigns.campaign('mini-console').describe()).rejects.toThrow();
  });

  it('reads whole on a phone, in a real browser', async () => {
    const artifacts = path.join(__dirname, '..', '..', 'test-artifacts', 'console');
    mkdirSync(artifacts, { recursive: true });
    const browser = await launchBrowser();
    try {
      const page = await phonePage(browser, h.config.BASE_URL, office.cookie!);
      await page.goto(`${h.config.BASE_URL}/console`);
      await page.getByRole('link', { name: /发起新活动/ }).click();
      await page.selectOption('select[name=shipped]', '002-harbin.yaml');
      await page.getByRole('button', { name: '预览', exact: true }).click();
      await page.locator('#preview').waitFor();
      expect(await page.textContent('#preview')).toContain('harbin');
      await expectFitsPhone(page, path.join(artifacts, 'start-preview.png'));
      // The campaign started above, which the engine no longer holds: who started it, on a phone.
      await page.goto(`${h.config.BASE_URL}/console/mini-console`);
      expect(await page.textContent('#started-by')).toContain('经控制台');
      await expectFitsPhone(page, path.join(artifacts, 'started-dashboard.png'));
    } finally {
      await browser.close();
    }
  });
});

/**
 * The office's organisation page (`/console/:campaignId/org`), on the dev server with a worker
 * process and the mini plan whose new secretaries are trained: the office uploads the roster as
 * Excel saves it on Chinese Windows (GB18030 CSV) with one branch secretary changed; the preview
 * says what it would change and records nothing; confirmed, the page says what it did, the
 * training opens and its notice goes to her, she signs in and the one she replaced no longer can. A refused file is answered on the page with its problems and nothing
 * recorded; the same file again records nothing; nobody but the office may see or post it. The
 * page lists what the roster in force has to mend: the branch without an address, and an address
 * the mail server refused (a real rejection), until a roster without it is taken; the API says the
 * same, to each person within their scope, and so does `contacts`. In a
 * real browser at a phone's width, the form takes a file and answers; axe-core finds no serious
 * violation and nothing scrolls sideways (screenshots in test-artifacts/console/org*.png).
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { axeSerious, expectFitsPhone, launchBrowser, phonePage } from '../helpers/browser';
import { miniPlanWithEvents } from '../helpers/mini-events';
import { loadOrgFile } from '../../plans/load';
import { runCli } from '../helpers/processes';
import {
  eventually,
  formPost,
  multipart,
  ORG,
  sessionCookie,
  startWebHarness,
  pageText as text,
  type Upload,
  type WebHarness,
} from '../helpers/web';

const ROSTER = path.join(__dirname, '..', 'fixtures', 'mini-org-changed-gb18030.csv');
const PAGE = '/console/mini/org';

describe('the office uploads a new roster in the console', () => {
  let h: WebHarness;
  let office: Record<string, string>;
  beforeAll(async () => {
    h = await startWebHarness({ plan: miniPlanWithEvents(), listen: true });
    office = { cookie: await sessionCookie(h, 'office@example.org') };
  });
  afterAll(async () => {
    await h?.stop();
  });

  const imports = () => h.ledger.events({ campaignId: 'mini', kinds: ['org-reimported'] });
  const upload = (filename: string, content: Buffer, headers = office): ReturnType<typeof formPost> => {
    const file: Upload = { name: 'org', filename, type: 'text/csv', content };
    return formPost(h, PAGE, {}, headers, PAGE, [file]);
  };
  /** Confirms the preview `page` answered with (its hash and file name), ticked unless `tick` is false. */
  const confirm = (page: string, tick = true, headers = office): ReturnType<typeof formPost> => {
    const hidden = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1] ?? '';
    const fields = { hash: hidden('hash'), file: hidden('file'), ...(tick ? { confirm: 'yes' } : {}) };
    return formPost(h, `${PAGE}/confirm`, fields, headers, PAGE);
  };

  /** The warning on the office's dashboard, as read, or undefined. */
  const warning = async () => {
    const body = (await h.app.inject({ method: 'GET', url: '/console/mini', headers: office })).body;
    const p = /<p class="late" id="contact-warning">([\s\S]*?)<\/p>/.exec(body)?.[1];
    return p === undefined ? undefined : text(p);
  };

  it('is the office’s only', async () => {
    expect((await h.app.inject({ method: 'GET', url: PAGE })).statusCode).toBe(401);
    for (const email of ['li.mech@example.org', 'zhang.wei@example.org']) {
      const cookie = await sessionCookie(h, email);
      const res = await h.app.inject({ method: 'GET', url: PAGE, headers: { cookie } });
      expect({ email, status: res.statusCode }).toEqual({ email, status: 403 });
    }
    // The committee's secretary cannot post it either (she has a session and the form's token).
    // (the token from a page she may open, her API tokens').
    const li = { cookie: await sessionCookie(h, 'li.mech@example.org') };
    const file: Upload = { name: 'org', filename: 'roster.csv', type: 'text/csv', content: await readFile(ROSTER) };
    const posted = await formPost(h, PAGE, {}, li, '/console/tokens', [file]);
    expect(posted.statusCode).toBe(403);
    expect(posted.body).toContain('只有活动办公室可以导入组织名册');
    const staged = await h.ledger.stageOrg(await loadOrgFile(ROSTER));
    const confirmed = await formPost(h, `${PAGE}/confirm`, { hash: staged, confirm: 'yes' }, li, '/console/tokens');
    expect(confirmed.statusCode).toBe(403);
    // Without the form's CSRF token, refused before anything is read.
    const form = multipart({}, [
      { name: 'org', filename: 'roster.csv', type: 'text/csv', content: await readFile(ROSTER) },
    ]);
    const forged = await h.app.inject({
      method: 'POST',
      url: PAGE,
      payload: form.payload,
      headers: { ...office, ...form.headers },
    });
    expect(forged.statusCode).toBe(403);
    expect(await imports()).toEqual([]);

    const dashboard = await h.app.inject({ method: 'GET', url: '/console/mini', headers: office });
    expect(dashboard.body).toContain('href="/console/mini/org"');
    // The office's dashboard says the roster has a branch without an address, and links to it.
    expect(await warning()).toBe('通讯录待补正：1 个单位没有可用邮箱。 查看并补正');
    expect(dashboard.body).toContain('href="/console/mini/org#problems"');
    // A committee's secretary reads her dashboard without it: the roster is the office's.
    const hers = await h.app.inject({
      method: 'GET',
      url: '/console/mini',
      headers: { cookie: await sessionCookie(h, 'li.mech@example.org') },
    });
    expect(hers.statusCode).toBe(200);
    expect(hers.body).not.toContain('contact-warning');
    const page = await h.app.inject({ method: 'GET', url: PAGE, headers: office });
    expect(page.statusCode).toBe(200);
    expect(text(page.body)).toContain('活动启动时的组织名册（尚未重新导入）');
  });

  it('refuses a file that does not pass, saying each problem on the page; nothing recorded', async () => {
    const bad = (await readFile(ORG, 'utf8')).replace('parent: c-info', 'parent: c-nowhere');
    const res = await upload('新名册.yaml', Buffer.from(bad));
    expect(res.statusCode).toBe(400);
    const said = text(res.body);
    expect(said).toContain('文件有误，未导入：新名册.yaml');
    expect(said).toMatch(/第 \d+ 行/);
    expect(said).toContain('c-nowhere');
    // Another organisation's roster (its office is not the campaign's) would mail strangers.
    const other = await upload(
      'other.yaml',
      Buffer.from((await readFile(ORG, 'utf8')).replace(/\bid: office\b/, 'id: zzb')),
    );
    expect(other.statusCode).toBe(400);
    expect(text(other.body)).toContain('office.id is "zzb", but this campaign\'s office is "office"');
    const empty = await upload('', Buffer.alloc(0));
    expect(empty.statusCode).toBe(400);
    expect(text(empty.body)).toContain('请选择要上传的组织名册文件');
    expect(await imports()).toEqual([]);
  });

  it('lists what the roster has to mend: the branch without an address, and an address the mail server refused', async () => {
    const page = async () => text((await h.app.inject({ method: 'GET', url: PAGE, headers: office })).body);
    const before = await page();
    expect(before).toContain('通讯录待补正');
    expect(before).toMatch(/没有可用邮箱的单位（1） 信息学院研究生党支部 （b-info-s1）：邮件改发 信息学院党总支/);
    expect(before).not.toContain('被邮件服务器退回的地址');

    // The office sends b-info-t1 its notice again, and the mail server refuses its secretary's
    // address, until the API has been asked too (a later delivery to him would answer the refusal).
    const resend = '/console/mini/o/quarterly-report/2010-Q3/b-info-t1/resend';
    h.smtp.reject.add('yang.fan@example.org');
    const sent = await formPost(h, resend, { reason: '核对邮箱', confirm: 'yes' }, office);
    expect(sent.statusCode).toBe(303);
    const listed = await page();
    expect(listed).toMatch(
      /被邮件服务器退回的地址（1） yang\.fan@example\.org ：信息学院教工党支部 书记 杨帆 退回 \d+ 封，最近一次 2010年9月\d+日（星期.）\d\d:\d\d .*550 mailbox yang\.fan@example\.org unavailable/,
    );
    // Counted with whatever else of the engine's was refused to him meanwhile (its notices go out as the page is tested).
    const refused = (await h.ledger.events({ campaignId: 'mini', kinds: ['message-failed'] })).filter((e) =>
      e.recipients?.includes('yang.fan@example.org'),
    );
    expect(refused.map((e) => e.step)).toContain('notice~resend-1');
    const times = Number(/退回 (\d+) 封/.exec(listed)?.[1]);
    expect(times).toBeGreaterThanOrEqual(1);
    expect(times).toBeLessThanOrEqual(refused.length);
    expect(await warning()).toBe('通讯录待补正：1 个单位没有可用邮箱，1 个邮箱被退信。 查看并补正');

    // On a phone: the list and the server's long reason fit its width.
    const browser = await launchBrowser();
    try {
      const tab = await phonePage(browser, h.config.BASE_URL, office.cookie!);
      await tab.goto(`${h.config.BASE_URL}${PAGE}`);
      await tab.locator('#problems').waitFor();
      expect(await axeSerious(tab)).toEqual([]);
      expect(Number(await tab.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(390);
      const artifacts = path.join(__dirname, '..', '..', 'test-artifacts', 'console');
      mkdirSync(artifacts, { recursive: true });
      await tab.screenshot({ path: path.join(artifacts, 'org-problems.png'), fullPage: true });
    } finally {
      await browser.close();
    }
  });

  it('says the same through the API, to each in their scope', async () => {
    const url = '/api/v1/campaigns/mini/contact-problems';
    type Problems = { noAddress: { unitId: string }[]; refused: { email: string; holders: { unitId: string }[] }[] };
    const ask = async (email?: string) => {
      const headers = email ? { cookie: await sessionCookie(h, email) } : undefined;
      return h.app.inject({ method: 'GET', url, headers });
    };
    expect((await ask()).statusCode).toBe(401);
    const all = await ask('office@example.org');
    expect(all.statusCode).toBe(200);
    const summary = (p: Problems) => ({
      noAddress: p.noAddress.map((u) => u.unitId),
      refused: p.refused.map((r) => [r.email, r.holders.map((x) => x.unitId)]),
    });
    expect(summary(all.json<Problems>())).toEqual({
      noAddress: ['b-info-s1'],
      refused: [['yang.fan@example.org', ['b-info-t1']]],
    });
    expect(all.json<Problems>().refused[0]).toMatchObject({ times: expect.any(Number), lastAt: expect.any(String) });
    // The secretary of the committee above both branches sees both; another committee's and a branch's, neither.
    expect(summary((await ask('zhao.info@example.org')).json<Problems>())).toEqual(summary(all.json<Problems>()));
    for (const email of ['li.mech@example.org', 'zhang.wei@example.org'])
      expect([email, summary((await ask(email)).json<Problems>())]).toEqual([email, { noAddress: [], refused: [] }]);
    expect(all.json<{ deferred: unknown[] }>().deferred).toEqual([]);
    const unknown = await h.app.inject({
      method: 'GET',
      url: '/api/v1/campaigns/nosuch/contact-problems',
      headers: { cookie: await sessionCookie(h, 'office@example.org') },
    });
    expect(unknown.statusCode).toBe(404);

    // And the command line.
    const env = { TEMPORAL_ADDRESS: h.config.temporal.address, LEDGER_URL: h.config.LEDGER_URL };
    const lines = (await runCli(['--lang', 'zh', 'contacts', 'mini'], env)).stdout.trim().split('\n');
    expect(lines[0]).toBe('b-info-s1 信息学院研究生党支部：没有可用邮箱，邮件改发 信息学院党总支');
    expect(lines[1]).toMatch(
      /^yang\.fan@example\.org（b-info-t1 信息学院教工党支部 书记 杨帆）：被退回 \d+ 封，最近一次 2010年9月\d+日（星期.）\d\d:\d\d：.*550/,
    );
    expect(lines).toHaveLength(2);
    const json = JSON.parse((await runCli(['contacts', 'mini', '--json'], env)).stdout) as Problems;
    expect(summary(json)).toEqual(summary(all.json<Problems>()));
    h.smtp.reject.delete('yang.fan@example.org');
  });

  it('has nothing to mend for a campaign the engine no longer holds: it mails nobody', async () => {
    const units = await h.ledger.units('mini');
    await h.ledger.upsertUnits(units.map((u) => ({ ...u, campaignId: 'gone' })));
    const page = await h.app.inject({ method: 'GET', url: '/console/gone/org', headers: office });
    expect(page.statusCode).toBe(200);
    expect(text(page.body)).toContain('导入新的组织名册');
    expect(text(page.body)).not.toContain('通讯录待补正');
    const api = await h.app.inject({ method: 'GET', url: '/api/v1/campaigns/gone/contact-problems', headers: office });
    expect([api.statusCode, api.json()]).toEqual([200, { noAddress: [], refused: [], deferred: [] }]);
  });

  it('takes the roster Excel saved, once checked: the new secretary is appointed, trained, mailed and signed in', async () => {
    const previewed = await upload('组织名册2010.csv', await readFile(ROSTER));
    expect(previewed.statusCode).toBe(200);
    const preview = text(previewed.body);
    expect(preview).toContain('导入前请核对：组织名册2010.csv');
    expect(preview).toContain('确认后，通讯录将更新为这份名册（7 个单位）');
    expect(preview).toMatch(/党支部书记变更（将记为新任命.*?） 信息学院教工党支部 ：杨帆 → 钱进/);
    expect(preview).toContain('信息学院教工党支部 · 书记：杨帆 <yang.fan@example.org> → 钱进 <qian.jin@example.org>');
    // Previewed, nothing taken.
    expect(await imports()).toEqual([]);
    expect(await h.ledger.events({ campaignId: 'mini', kinds: ['secretary-appointed'] })).toEqual([]);
    // Not without the tick; not for a roster nobody previewed.
    expect((await confirm(previewed.body, false)).statusCode).toBe(400);
    const unknown = previewed.body.replace(/sha256:[0-9a-f]{64}/, `sha256:${'0'.repeat(64)}`);
    const refused = await confirm(unknown);
    expect([refused.statusCode, text(refused.body)]).toEqual([400, expect.stringContaining('请重新上传并预览')]);
    expect(await imports()).toEqual([]);

    const res = await confirm(previewed.body);
    expect(res.statusCode).toBe(200);
    const said = text(res.body);
    expect(said).toContain('通讯录已更新为第 1 版（7 个单位）');
    expect(said).toContain('信息学院教工党支部 ：书记 杨帆 → 钱进');
    expect(said).toMatch(/已开启 新任党支部书记任职培训 · 截止 2010年10月\d+日（星期.）/);
    expect(said).toContain('第 1 版，7 个单位');
    const [recorded] = await imports();
    expect(recorded).toMatchObject({ actor: 'office@example.org', data: { version: 1, units: 7 } });

    // Her training notice goes to the address the roster gives her.
    const notice = await eventually('the training notice of b-info-t1', () =>
      h.smtp.received.find(
        (m) =>
          m.mail.subject?.includes('任职培训') &&
          ['qian.jin@example.org', 'yang.fan@example.org'].some((a) => m.envelopeTo.includes(a)),
      ),
    );
    expect(notice.envelopeTo).toEqual(['qian.jin@example.org']);
    // She signs in at once; the secretary she replaced is signed out.
    const mine = await h.app.inject({
      method: 'GET',
      url: '/api/v1/me/deadlines',
      headers: { cookie: await sessionCookie(h, 'qian.jin@example.org') },
    });
    expect(mine.statusCode).toBe(200);
    expect(mine.json<{ deadlineId: string }[]>().map((d) => d.deadlineId.split('/').pop())).toContain('b-info-t1');
    const before = await h.app.inject({
      method: 'GET',
      url: '/api/v1/me/deadlines',
      headers: { cookie: await sessionCookie(h, 'yang.fan@example.org') },
    });
    expect(before.statusCode).toBe(401);

    // The same file again: the preview says it changes nothing; confirmed anyway (or the answer
    // reloaded), nothing updated, nobody appointed twice.
    const previewedAgain = await upload('组织名册2010.csv', await readFile(ROSTER));
    expect(text(previewedAgain.body)).toContain('这份名册与当前通讯录相同，导入不会更新通讯录');
    const again = await confirm(previewedAgain.body);
    expect(again.statusCode).toBe(200);
    expect(text(again.body)).toContain('所选文件与当前通讯录相同，未更新');
    expect(text(again.body)).toContain('没有党支部书记变更');
    expect(await imports()).toHaveLength(1);

    // The refused address is the roster's no more; the branch without one still is.
    const mended = text((await h.app.inject({ method: 'GET', url: PAGE, headers: office })).body);
    expect(mended).not.toContain('yang.fan@example.org');
    expect(mended).toContain('信息学院研究生党支部 （b-info-s1）：邮件改发 信息学院党总支');
    expect(await warning()).toBe('通讯录待补正：1 个单位没有可用邮箱。 查看并补正');
  });

  it('in a browser on a phone: the office picks the file, uploads it and reads the answer', async () => {
    const artifacts = path.join(__dirname, '..', '..', 'test-artifacts', 'console');
    mkdirSync(artifacts, { recursive: true });
    // The roster as uploaded before (钱进 b-info-t1's secretary), now as YAML with a liaison
    // changed too: new contacts, nobody appointed.
    const roster = path.join(h.dir, '名册-联络员变更.yaml');
    await writeFile(
      roster,
      (await readFile(ORG, 'utf8'))
        .replace(
          'secretary: { name: 杨帆, email: yang.fan@example.org }',
          'secretary: { name: 钱进, email: qian.jin@example.org }',
        )
        .replace(
          'liaison: { name: 刘洋, email: liu.yang@example.org }',
          'liaison: { name: 孙丽, email: sun.li@example.org }',
        ),
    );
    const browser = await launchBrowser();
    try {
      const page = await phonePage(browser, h.config.BASE_URL, await sessionCookie(h, 'office@example.org'));
      await page.goto(`${h.config.BASE_URL}/console/mini`);
      await page.getByRole('link', { name: '组织名册与通讯录：收不到邮件的联系人、导入新名册…' }).click();
      await page.getByRole('heading', { name: '导入新的组织名册' }).waitFor();
      await page.setInputFiles('input[name=org]', roster);
      await page.getByRole('button', { name: '上传并预览' }).click();
      await page.locator('#preview').waitFor();
      expect((await page.textContent('#preview'))!.replace(/\s+/g, ' ')).toContain(
        '机械学院教工第一党支部 · 联络员：刘洋 <liu.yang@example.org> → 孙丽 <sun.li@example.org>',
      );
      await expectFitsPhone(page, path.join(artifacts, 'org-preview.png'));
      await page.check('input[name=confirm]');
      await page.getByRole('button', { name: '确认导入' }).click();
      await page.locator('#result').waitFor();
      const said = (await page.textContent('main'))!;
      expect(said).toMatch(/通讯录已更新为第 2 版（7 个单位）/);
      expect(said).toContain('没有党支部书记变更');
      expect(said).toContain('导入结果：名册-联络员变更.yaml');
      await expectFitsPhone(page, path.join(artifacts, 'org.png'));
    } finally {
      await browser.close();
    }
    expect((await imports()).map((e) => e.data?.version)).toEqual([1, 2]);
  });
  it('warns of an address the mail server is deferring, before it counts as refused', async () => {
    // 陈静's mailbox is full when the office sends her branch its notice again.
    h.smtp.defer.add('chen.jing@example.org');
    const resend = '/console/mini/o/quarterly-report/2010-Q3/b-mech-s1/resend';
    expect((await formPost(h, resend, { reason: '核对邮箱', confirm: 'yes' }, office)).statusCode).toBe(303);
    const listed = text((await h.app.inject({ method: 'GET', url: PAGE, headers: office })).body);
    expect(listed).toMatch(
      /暂缓投递、正在重投的地址（1） 对方邮件服务器暂时拒收.*? chen\.jing@example\.org ：机械学院本科生第一党支部 书记 陈静 \d+ 封重投中，自 2010年9月\d+日（星期.）\d\d:\d\d .*451 mailbox chen\.jing@example\.org busy/,
    );
    expect(await warning()).toBe('通讯录待补正：1 个单位没有可用邮箱，1 个邮箱暂缓投递、正在重投。 查看并补正');
    // Through the API, to her committee's secretary too (her unit is in his scope), not another committee's.
    type Deferred = { deferred: { email: string; holders: { unitId: string }[]; messages: number; since: string }[] };
    const api = async (email: string) =>
      (
        await h.app.inject({
          method: 'GET',
          url: '/api/v1/campaigns/mini/contact-problems',
          headers: { cookie: await sessionCookie(h, email) },
        })
      ).json<Deferred>().deferred;
    expect(await api('office@example.org')).toEqual([
      expect.objectContaining({
        email: 'chen.jing@example.org',
        holders: [expect.objectContaining({ unitId: 'b-mech-s1' })],
      }),
    ]);
    expect((await api('li.mech@example.org')).map((d) => d.email)).toEqual(['chen.jing@example.org']);
    expect(await api('zhao.info@example.org')).toEqual([]);
    // And the command line.
    const env = { TEMPORAL_ADDRESS: h.config.temporal.address, LEDGER_URL: h.config.LEDGER_URL };
    const lines = (await runCli(['--lang', 'zh', 'contacts', 'mini'], env)).stdout.trim().split('\n');
    expect(
      lines.some((l) =>
        /^chen\.jing@example\.org（b-mech-s1 机械学院本科生第一党支部 书记 陈静）：暂缓投递 \d+ 封，自 .* 起重投中，3 天内未送达即计为退信：451/.test(
          l,
        ),
      ),
    ).toBe(true);
    expect(lines.join('\n')).not.toContain('停止重投');
    expect((await api('office@example.org'))[0]).toMatchObject({ messages: 1, stalled: 0 });

    // Its redelivery stopped by hand (in Temporal's Web UI, say): nothing will deliver that notice
    // now, and the roster says so, where it would otherwise say "being asked again" for ever.
    await h.campaigns.client.workflow
      .getHandle('redelivery/mini/b-mech-s1/quarterly-report/2010-Q3/notice~resend-1')
      .terminate('stopped by hand');
    expect(text((await h.app.inject({ method: 'GET', url: PAGE, headers: office })).body)).toMatch(
      /chen\.jing@example\.org .*?1 封重投中，自 .*? 其中 1 封已停止重投（重投被中止或未能启动），不会再自动送达：请电话告知/,
    );
    expect((await api('office@example.org'))[0]).toMatchObject({ messages: 1, stalled: 1 });
    expect((await runCli(['--lang', 'zh', 'contacts', 'mini'], env)).stdout).toContain(
      '（其中 1 封已停止重投，不会再自动送达）',
    );
    h.smtp.defer.clear();
  });
});

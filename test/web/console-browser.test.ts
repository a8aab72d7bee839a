/**
 * The office console in a real browser (Debian's chromium through playwright-core) on the dev
 * server, with the mini campaign rehearsed at real speed from 10:00 on 28 September 2010: every
 * branch's Q3 report fell due on the 25th and none came. The office signs in by the link mailed
 * to the SMTP server, opens the dashboard, finds a lagging branch in the heatmap, opens its
 * history, extends its deadline (Temporal's due instant and next reminder move, the ledger
 * records it), advances the phase from the form (the announcement mail arrives), and downloads
 * the audit workbook (parsed with exceljs, checked against `audit --json`). A committee
 * secretary sees only that committee and no form; the forms' POSTs answer 403. axe-core finds
 * no serious violation on the main pages, and at 200 % zoom nothing but a table's own box scrolls
 * sideways. Screenshots go to test-artifacts/console/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import ExcelJS from 'exceljs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { runCli } from '../helpers/processes';
import { axeSerious, launchBrowser } from '../helpers/browser';
import { eventually, startWebHarness, type WebHarness } from '../helpers/web';

const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');

describe('the office console in a browser', () => {
  let h: WebHarness;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startWebHarness({ listen: true, from: '2010-09-28T10:00' });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  async function signIn(email: string): Promise<{ context: BrowserContext; page: Page }> {
    const context = await browser.newContext({
      viewport: { width: 1280, height: 900 },
      locale: 'zh-CN',
      timezoneId: 'Asia/Shanghai',
      acceptDownloads: true,
    });
    const page = await context.newPage();
    const before = h.smtp.received.length;
    await page.goto(`${h.config.BASE_URL}/login`);
    await page.fill('input[name=email]', email);
    await page.click('button[type=submit]');
    await page.getByText('请查收邮件').first().waitFor();
    const mail = await eventually('sign-in mail', () =>
      h.smtp.received.slice(before).find((r) => r.envelopeTo.includes(email) && /登录链接/.test(r.mail.subject ?? '')),
    );
    await page.goto(/https?:\/\/\S+\/login\/[A-Za-z0-9_-]+/.exec(mail.mail.text ?? '')![0]);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/me$/);
    return { context, page };
  }

  it('the office watches and steers the campaign; a committee secretary sees its part only', async () => {
    // The ladder's first escalation (two days after the due day) is in the ledger.
    await eventually('escalations recorded', async () =>
      (await h.ledger.events({ campaignId: 'mini', kinds: ['escalated'] })).length >= 4 ? true : undefined,
    );
    const { context, page } = await signIn('office@example.org');

    // Campaigns → dashboard.
    await page.goto(`${h.config.BASE_URL}/console`);
    await page.getByRole('link', { name: '创先争优测试活动' }).click();
    await page.getByRole('heading', { name: '滞后支部排名' }).waitFor();
    const dashboard = (await page.textContent('main'))!;
    expect(dashboard).toMatch(/计划时间：2010年9月28日（星期二）10:0\d/);
    expect(dashboard).toContain('全面争创');
    expect(dashboard).toContain('机械学院教工第一党支部');
    expect(dashboard).toContain('信息学院'); // the office sees every committee's lagging branches
    expect(await axeSerious(page)).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    // At 200 % zoom (a 1280 px window shows 640 CSS px): nothing scrolls sideways but the tables' own boxes.
    await page.setViewportSize({ width: 640, height: 450 });
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(640);
    await page.setViewportSize({ width: 1280, height: 900 });

    // The heatmap: the branch's Q3 cell is overdue and never submitted, and says by how much.
    await page.getByRole('link', { name: '查看督办热力图' }).click();
    await page.locator('#heatmap').waitFor();
    const row = page.locator('#heatmap tr', { hasText: '机械学院教工第一党支部' });
    const cell = row.locator('td a').first();
    expect(await cell.textContent()).toBe('×');
    expect(await cell.getAttribute('title')).toMatch(/^未报送，已逾期2天1\d小时$/);
    // Yellow: overdue, not yet escalated to the office (the ladder reaches it on 8 October).
    expect(await row.locator('td').first().getAttribute('class')).toBe('hy');
    expect(await axeSerious(page)).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'heatmap.png'), fullPage: true });
    await page.setViewportSize({ width: 640, height: 450 });
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(640);
    await page.setViewportSize({ width: 1280, height: 900 });

    // Its history: opened, the notice and the reminder sent, with instants.
    await cell.click();
    await page.getByRole('heading', { name: '全部记录' }).waitFor();
    const history = (await page.textContent('.history'))!;
    expect(history).toMatch(/2010年9月5日（星期日）23:59 开始报送/);
    expect(history).toMatch(/发送邮件 · 报送通知 · → liu.yang@example.org/);

    // Extend to 15 October 17:00 China time.
    const before = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1');
    await page.getByRole('link', { name: '延期…' }).click();
    await page.fill('input[name=newDueAt]', '2010-10-15T17:00');
    await page.fill('textarea[name=reason]', '支部书记外出学习，经办公室同意延期');
    await page.check('input[name=confirm]');
    await page.getByRole('button', { name: '延期' }).click();
    await page.getByRole('heading', { name: '全部记录' }).waitFor();
    expect(await page.textContent('#due-at')).toContain('2010年10月15日（星期五）17:00');
    const after = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1');
    expect(after.dueAt).toBe('2010-10-15T09:00:00.000Z');
    expect(after.extensions).toBe(before.extensions + 1);
    // The reminders move with it: the next step is now before the new due instant, after today.
    expect(Date.parse(after.nextStep!.at)).toBeGreaterThan(Date.parse('2010-10-01T00:00:00Z'));
    expect(Date.parse(after.nextStep!.at)).toBeLessThanOrEqual(Date.parse(after.dueAt));
    const ext = await h.ledger.events({ campaignId: 'mini', kinds: ['extension'], unitId: 'b-mech-t1' });
    expect(ext).toHaveLength(1);
    expect(ext[0]).toMatchObject({ actor: 'office@example.org', reason: '支部书记外出学习，经办公室同意延期' });
    const [rowAfter] = await h.ledger.deadlineRows({
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      unitId: 'b-mech-t1',
    });
    expect(rowAfter!.dueAt).toBe(after.dueAt);
    expect(await page.textContent('.history')).toMatch(/延期 · 新截止 2010年10月15日（星期五）17:00/);

    // The unit's page.
    await page.getByRole('link', { name: '机械学院教工第一党支部' }).first().click();
    await page.getByRole('heading', { name: '迟交情况' }).waitFor();
    expect(await axeSerious(page)).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'unit.png'), fullPage: true });

    // The stop's page (终止活动), looked at and left: what it would do, on a phone's width too.
    await page.goto(`${h.config.BASE_URL}/console/mini`);
    await page.getByRole('link', { name: '终止活动…' }).click();
    await page.getByRole('heading', { name: /^终止活动：/ }).waitFor();
    expect(await page.textContent('main')).toMatch(/目前尚未报送的 \d+ 项（含领导点评）将一律免报/);
    expect(await axeSerious(page)).toEqual([]);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'stop.png'), fullPage: true });
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(390);
    await page.setViewportSize({ width: 1280, height: 900 });

    // Advance the phase from the form: the preview, then the announcement mail.
    await page.goto(`${h.config.BASE_URL}/console/mini`);
    await page.getByRole('link', { name: '进入下一阶段…' }).click();
    await page.locator('#preview').waitFor();
    expect(await page.textContent('#preview')).toContain('总结提高');
    expect(await page.textContent('#announcements')).toBe('6');
    const mailsBefore = h.smtp.received.length;
    await page.fill('textarea[name=reason]', '党委会议决定提前进入总结阶段');
    await page.check('input[name=confirm]');
    await page.getByRole('button', { name: '进入下一阶段' }).click();
    await page.getByRole('heading', { name: '阶段' }).waitFor();
    expect((await page.textContent('.timeline'))!.replace(/\s+/g, ' ')).toMatch(
      /手动开始：office@example.org · 2010年9月28日（星期二）10:0\d · 理由：党委会议决定提前进入总结阶段/,
    );
    const announcement = await eventually('the phase announcement', () =>
      h.smtp.received
        .slice(mailsBefore)
        .find((r) => r.envelopeTo.includes('li.mech@example.org') && /进入「总结提高」阶段/.test(r.mail.subject ?? '')),
    );
    expect(announcement.mail.text).toContain('总结提高');
    expect((await h.campaigns.status('mini')).currentPhase).toBe('summary');

    // The audit workbook, read back and checked against the CLI's `audit --json` at the same instant.
    const download = page.waitForEvent('download');
    await page.getByRole('link', { name: '全部审计报表（Excel）' }).click();
    const file = path.join(ARTIFACTS, 'audit.xlsx');
    await (await download).saveAs(file);
    const asOf = await h.campaigns.planNow('mini');
    const cli = await runCli([
      'audit',
      '--campaign',
      'mini',
      '--ledger',
      h.config.LEDGER_URL,
      '--json',
      '--as-of',
      asOf,
    ]);
    expect(cli.code).toBe(0);
    const json = JSON.parse(cli.stdout) as Record<string, { unitId: string; late: number; missing: number }[]>;
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(file);
    expect(wb.worksheets.map((w) => w.name)).toEqual([
      '迟交、未交单位统计（报送）',
      '滞后支部排名',
      '领导点评迟交、未交明细',
      '未完成的限期整改',
    ]);
    const lagging = wb.worksheets[0]!;
    expect(lagging.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(lagging.getRow(2).values).toContain('单位编号');
    const sheetRows: { unitId: string; late: number; missing: number }[] = [];
    lagging.eachRow((r, n) => {
      if (n > 2)
        sheetRows.push({
          unitId: r.getCell(3).text,
          late: Number(r.getCell(6).value),
          missing: Number(r.getCell(7).value),
        });
    });
    expect(sheetRows).toEqual(json.lagging!.map((l) => ({ unitId: l.unitId, late: l.late, missing: l.missing })));
    expect(sheetRows.length).toBeGreaterThan(0);
    await context.close();

    // A committee secretary: only the committee's units, no form; the forms' POSTs are refused.
    const sec = await signIn('li.mech@example.org');
    await sec.page.goto(`${h.config.BASE_URL}/console/mini`);
    const secDash = (await sec.page.textContent('main'))!;
    // 本科生第一支部 is never extended, so it stays in the ranking whatever the plan clock reads
    // (the office's extension takes 教工第一支部 out of it until its new due instant).
    expect(secDash).toContain('机械学院本科生第一党支部');
    expect(secDash).not.toContain('信息学院');
    expect(await sec.page.getByRole('link', { name: '进入下一阶段…' }).count()).toBe(0);
    await sec.page.goto(`${h.config.BASE_URL}/console/mini/heatmap`);
    const secMap = (await sec.page.textContent('#heatmap'))!;
    expect(secMap).toContain('机械学院本科生第一党支部');
    expect(secMap).not.toContain('信息学院');
    const secDeadline = await sec.page.goto(`${h.config.BASE_URL}/console/mini/o/quarterly-report/2010-Q3/b-mech-s1`);
    expect(secDeadline!.status()).toBe(200);
    expect(await sec.page.getByRole('link', { name: '延期…' }).count()).toBe(0);
    expect(
      (await sec.page.goto(`${h.config.BASE_URL}/console/mini/o/quarterly-report/2010-Q3/b-info-t1`))!.status(),
    ).toBe(403);
    expect((await sec.page.goto(`${h.config.BASE_URL}/console/mini/advance`))!.status()).toBe(403);
    // Forged POSTs with the secretary's own session and a genuine CSRF token of theirs.
    await sec.page.goto(`${h.config.BASE_URL}/me`);
    const csrf = (await sec.page.getAttribute('input[name=_csrf]', 'value'))!;
    for (const url of [
      '/console/mini/advance',
      '/console/mini/end-phase',
      '/console/mini/stop',
      '/console/mini/o/quarterly-report/2010-Q3/b-mech-s1/extend',
      '/console/mini/o/quarterly-report/2010-Q3/b-mech-s1/waive',
      '/console/mini/o/quarterly-report/2010-Q3/b-mech-s1/resend',
    ]) {
      const res = await sec.page.request.post(`${h.config.BASE_URL}${url}`, {
        multipart: { _csrf: csrf, reason: 'forged', confirm: 'yes', phaseKey: 'summary', newDueAt: '2011-01-01T00:00' },
      });
      expect([url, res.status()]).toEqual([url, 403]);
    }
    const waivers = await h.ledger.events({ campaignId: 'mini', kinds: ['waiver', 'extension'] });
    expect(waivers).toHaveLength(1); // the office's one extension

    // The secretary makes an API token for a program through the form, reads it once, revokes it.
    await sec.page.goto(`${h.config.BASE_URL}/console`);
    await sec.page.getByRole('link', { name: 'API 令牌' }).click();
    await sec.page.getByLabel('名称（用于识别用途）').fill('党委看板');
    await sec.page.getByLabel('有效期').selectOption('30');
    await sec.page.getByRole('button', { name: '生成令牌' }).click();
    const token = await sec.page.locator('#new-token').inputValue();
    expect(token).toMatch(/^cpt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    expect(await axeSerious(sec.page)).toEqual([]);
    const read = await sec.page.request.get(`${h.config.BASE_URL}/api/v1/campaigns/mini/deadlines?committee=c-mech`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(read.status()).toBe(200);
    const units = ((await read.json()) as { unitId: string }[]).map((d) => d.unitId);
    expect(units.length).toBeGreaterThan(0);
    expect(units.every((u) => u.startsWith('b-mech') || u === 'c-mech')).toBe(true);
    const id = token.split('_')[1]!;
    await sec.page.getByRole('button', { name: `撤销令牌 党委看板（${id}）` }).click();
    expect(await sec.page.getByRole('status').textContent()).toContain('已撤销');
    expect(await sec.page.locator('#new-token').count()).toBe(0);
    const refused = await sec.page.request.get(`${h.config.BASE_URL}/api/v1/campaigns`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(refused.status()).toBe(401);
    await sec.context.close();
  });
});

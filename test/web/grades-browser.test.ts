/**
 * The grading page in Chromium (playwright-core), as a committee's secretary uses it: signed in by
 * the mailed link, from the dashboard to 分类定级, letters chosen for its six branches, "核对" shows
 * the share as typed (two A of six: over, named on its row) without recording, then a valid batch
 * is saved and its preliminary-grade deadline closes. The page passes axe (no serious finding),
 * runs no script under the CSP, and reflows at 200 % zoom.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { loadPlanFile } from '../../plans/load';
import { axeSerious, launchBrowser } from '../helpers/browser';
import { eventually, startWebHarness, type WebHarness } from '../helpers/web';

const ROOT = path.resolve(__dirname, '..', '..');
const ARTIFACTS = path.join(ROOT, 'test-artifacts', 'console');
const C = 'harbin-2012';

describe('the grading page in a browser', () => {
  let h: WebHarness;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startWebHarness({
      listen: true,
      plan: await loadPlanFile(path.join(ROOT, 'plans', '002-harbin.yaml')),
      org: path.join(ROOT, 'test', 'fixtures', 'grading-org.yaml'),
      from: '2012-03-31T09:00',
    });
    await eventually('units in the ledger', async () => ((await h.ledger.units(C)).length > 0 ? true : undefined));
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  it('a committee secretary checks, is refused a second A, and saves its branches’ grades', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
    const page = await context.newPage();
    const messages: string[] = [];
    page.on('console', (m) => messages.push(m.text()));
    const email = 'li.mech@example.org';
    const before = h.smtp.received.length;
    await page.goto(`${h.config.BASE_URL}/login`);
    await page.fill('input[name=email]', email);
    await page.click('button[type=submit]');
    const mail = await eventually('sign-in mail', () =>
      h.smtp.received.slice(before).find((r) => r.envelopeTo.includes(email) && /登录链接/.test(r.mail.subject ?? '')),
    );
    await page.goto(/https?:\/\/\S+\/login\/[A-Za-z0-9_-]+/.exec(mail.mail.text ?? '')![0]);
    await page.click('button[type=submit]');
    await page.waitForURL(/\/me$/);

    await page.goto(`${h.config.BASE_URL}/console/${C}`);
    await page.getByRole('link', { name: '分类定级：录入与查看等级…' }).click();
    await page.getByRole('heading', { name: '2012 基层党委初评' }).waitFor();
    expect(await page.textContent('main')).toContain('A级 0/6，上限 1（20%，向下取整）');
    expect(await axeSerious(page)).toEqual([]);

    const choose = async (letters: string) => {
      for (const [i, g] of [...letters].entries()) await page.selectOption(`select[name="g.mech-${i + 1}"]`, g);
    };
    await choose('AABBCD');
    await page.getByRole('button', { name: '核对比例（不保存）' }).click();
    await page.getByRole('heading', { name: '未保存：请改正以下问题' }).waitFor();
    const checked = (await page.textContent('main'))!.replace(/\s+/g, ' ');
    expect(checked).toContain('按本页所填（尚未保存）');
    expect(checked).toContain('A级 2/6，上限 1（20%，向下取整） ，超出');
    expect(checked).toContain('第 2 行 等级：2 A in committee c-mech is over the share');
    // The typed letters stay selected after the check.
    expect(await page.inputValue('select[name="g.mech-2"]')).toBe('A');
    expect(await h.ledger.grades().grades(C)).toEqual([]);

    await choose('ABBBCD');
    await page.getByRole('button', { name: '保存', exact: true }).click();
    await page.getByRole('heading', { name: '已保存 6 个等级' }).waitFor();
    expect((await h.ledger.grades().grades(C)).map((g) => g.grade).join('')).toBe('ABBBCD');
    await eventually('the preliminary-grade deadline closed', async () => {
      const [row] = await h.ledger.deadlineRows({
        campaignId: C,
        obligationKey: 'committee-preliminary-grade',
        unitId: 'c-mech',
      });
      return row?.submittedAt ? row : undefined;
    });
    expect(await axeSerious(page)).toEqual([]);
    await page.screenshot({ path: path.join(ARTIFACTS, 'grades.png'), fullPage: true });
    // At 200 % zoom nothing scrolls sideways but the table's own box.
    await page.setViewportSize({ width: 640, height: 450 });
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(640);
    // Nothing on the page broke the CSP (no script, no inline style).
    expect(messages.filter((m) => /Content Security Policy/i.test(m))).toEqual([]);
    await context.close();
  });
});

/**
 * A person in a real browser (Debian's chromium through playwright-core; installed by
 * scripts/install-browser.sh): the notice arrives at the SMTP server, its link is opened, the
 * report is submitted with a PDF, the receipt page shows, the deadline is closed in Temporal
 * and in the ledger, and the receipt mail arrives. Once on a desktop window, once on a 375 px
 * phone screen, where nothing may scroll sideways. Then, on the phone, a unit's correction
 * request and the office's correction, and a leader's comment corrected by the leader.
 * Screenshots go to test-artifacts/web/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { SESSION_COOKIE } from '../../web/context';
import { axeSerious, launchBrowser } from '../helpers/browser';
import { eventually, linkIn, startWebHarness, tinyPdf, type WebHarness } from '../helpers/web';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'web');

describe('submitting from the mail in a browser', () => {
  let h: WebHarness;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startWebHarness({ listen: true });
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  const cases = [
    { name: 'desktop', unitId: 'b-mech-t1', to: 'liu.yang@example.org', viewport: { width: 1280, height: 900 } },
    { name: 'phone', unitId: 'b-mech-s1', to: 'chen.jing@example.org', viewport: { width: 375, height: 740 } },
  ];

  it.each(cases)('on a $name screen: mail → link → submission with a PDF → receipt', async (c) => {
    const url = await eventually(`notice to ${c.to}`, () => linkIn(h.smtp, c.to, /季度工作汇报/));
    const context = await browser.newContext({ viewport: c.viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    await page.goto(url);
    await page.getByText('提交报送').waitFor();
    expect(await page.textContent('h1')).toBe('季度工作汇报');
    expect(await page.textContent('body')).toMatch(/2010年9月25日（星期六）/);
    // Nothing wider than the screen.
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(c.viewport.width);
    await page.screenshot({ path: path.join(ARTIFACTS, `submission-${c.name}.png`), fullPage: true });

    await page.fill('textarea[name=text]', `第三季度工作汇报（${c.name}）`);
    await page.setInputFiles('input[name=attachments]', {
      name: '第三季度汇报.pdf',
      mimeType: 'application/pdf',
      buffer: tinyPdf(c.name),
    });
    await page.click('button[type=submit]');
    await page.getByText('报送回执').first().waitFor();
    expect(await page.textContent('#receipt')).toContain('按时报送');
    const number = (await page.textContent('.receipt-no'))!.trim();
    expect(number).toMatch(/^R[0-9A-F]{4}-/);
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(c.viewport.width);
    await page.screenshot({ path: path.join(ARTIFACTS, `receipt-${c.name}.png`), fullPage: true });
    await context.close();

    const status = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', c.unitId);
    expect(status).toMatchObject({ state: 'closed', outcome: 'on-time' });
    const recorded = await h.ledger.events({ campaignId: 'mini', kinds: ['submission'], unitId: c.unitId });
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.data?.attachments).toEqual([expect.stringMatching(/^sha256:[0-9a-f]{64}$/)]);
    const mail = await eventually('receipt mail', () =>
      h.smtp.received.find((r) => r.envelopeTo.includes(c.to) && /报送回执/.test(r.mail.subject ?? '')),
    );
    expect(mail.mail.text).toContain(number);
  });

  it('on a phone screen: the unit asks for a correction, the office makes it, and the link shows it', async () => {
    // The phone case's report, as sent above: its secretary asks through the link (the notice's).
    const viewport = { width: 375, height: 740 };
    const unitContext = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const unitPage = await unitContext.newPage();
    await unitPage.goto(linkIn(h.smtp, 'chen.jing@example.org', /季度工作汇报/)!);
    await unitPage.getByRole('heading', { name: '申请更正' }).waitFor();
    expect(await unitPage.inputValue('#request-text')).toBe('第三季度工作汇报（phone）');
    await unitPage.fill('#request-text', '第三季度工作汇报（附组织生活会记录）');
    await unitPage.fill('#request-reason', '漏传组织生活会记录');
    await unitPage.setInputFiles('#request-attachments', {
      name: '组织生活会记录.pdf',
      mimeType: 'application/pdf',
      buffer: tinyPdf('minutes'),
    });
    await unitPage.getByRole('button', { name: '提交更正申请' }).click();
    await unitPage.getByText('活动办公室处理后会邮件通知本单位').waitFor();
    expect(Number(await unitPage.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(viewport.width);
    await unitPage.screenshot({ path: path.join(ARTIFACTS, 'correction-request-phone.png'), fullPage: true });
    await unitContext.close();

    // The office, on its phone: the form starts from the request.
    const deadline = `${h.config.BASE_URL}/console/mini/o/quarterly-report/2010-Q3/b-mech-s1`;
    const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn('office@example.org')))!;
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    await context.addCookies([{ name: SESSION_COOKIE, value: h.app.signCookie(sessionId), url: h.config.BASE_URL }]);
    const page = await context.newPage();
    await page.goto(deadline);
    await page.getByRole('link', { name: '更正报送…' }).click();
    await page.getByRole('heading', { name: '更正报送' }).waitFor();
    expect(await page.inputValue('textarea[name=text]')).toBe('第三季度工作汇报（附组织生活会记录）');
    expect(await page.textContent('main')).toContain('说明：漏传组织生活会记录');
    expect(await page.getByLabel('组织生活会记录.pdf').isChecked()).toBe(true);
    expect(await axeSerious(page)).toEqual([]);
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(viewport.width);
    await page.fill('textarea[name=text]', '第三季度工作汇报（更正：补上了组织生活会记录）');
    await page.getByLabel('第三季度汇报.pdf').uncheck();
    await page.fill('textarea[name=reason]', '按支部申请：漏传组织生活会记录');
    await page.check('input[name=confirm]');
    await page.screenshot({ path: path.join(ARTIFACTS, 'correction-phone.png'), fullPage: true });
    await page.click('button[type=submit]');
    await page.waitForURL(deadline);
    expect(await page.textContent('.history')).toContain(
      '更正报送 · 经办 office@example.org · 理由：按支部申请：漏传组织生活会记录',
    );

    // The unit's own link: the report as corrected, its new file, and the file before under its own heading.
    const link = await eventually('the correction mail', () =>
      h.smtp.received.find(
        (r) => r.envelopeTo.includes('chen.jing@example.org') && /【报送更正】/.test(r.mail.subject ?? ''),
      ),
    );
    await page.goto(/https?:\/\/\S+\/s\/[A-Za-z0-9._-]+/.exec(link.mail.text ?? '')![0]);
    const body = (await page.textContent('main'))!;
    expect(body).toContain('第三季度工作汇报（更正：补上了组织生活会记录）');
    expect(body).toContain('组织生活会记录.pdf');
    expect(body).toMatch(/更正前的附件\s*第三季度汇报\.pdf/);
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(viewport.width);
    await page.screenshot({ path: path.join(ARTIFACTS, 'corrected-link-phone.png'), fullPage: true });
    await context.close();
  });

  it('on a phone screen: a leader comments on a report, then corrects the comment', async () => {
    // The desktop case's report (b-mech-t1) opened its review, owed by 李书记 of c-mech.
    const url = await eventually('the review mail to 李书记', () => linkIn(h.smtp, 'li.mech@example.org', /领导点评/));
    const viewport = { width: 375, height: 740 };
    const context = await browser.newContext({ viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
    const page = await context.newPage();
    await page.goto(url);
    await page.fill('textarea[name=text]', '汇报扎实，措施不够具体。');
    await page.getByRole('button', { name: '提交点评' }).click();
    await page.getByRole('heading', { name: '更正点评意见' }).waitFor();
    expect(await page.inputValue('#comment-text')).toBe('汇报扎实，措施不够具体。');
    await page.fill('#comment-text', '汇报扎实；整改措施还需细化到人。');
    await page.fill('#comment-reason', '补充意见');
    expect(await axeSerious(page)).toEqual([]);
    await page.getByRole('button', { name: '更正点评' }).click();
    await page.locator('#comment .corrected').waitFor();
    expect(await page.textContent('#comment')).toContain('汇报扎实；整改措施还需细化到人。');
    expect(await page.textContent('#comment .corrected')).toMatch(/点评人 .* 更正，理由：补充意见/);
    expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(viewport.width);
    await page.screenshot({ path: path.join(ARTIFACTS, 'comment-corrected-phone.png'), fullPage: true });
    await context.close();
    const [corrected] = await h.ledger.events({ campaignId: 'mini', kinds: ['review-comment-corrected'] });
    expect(corrected?.data).toMatchObject({ correction: 1, text: '汇报扎实；整改措施还需细化到人。' });
  });
});

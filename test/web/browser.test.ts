/**
 * A person in a real browser (Debian's chromium through playwright-core; installed by
 * scripts/install-browser.sh): the notice arrives at the SMTP server, its link is opened, the
 * report is submitted with a PDF, the receipt page shows, the deadline is closed in Temporal
 * and in the ledger, and the receipt mail arrives. Once on a desktop window, once on a 375 px
 * phone screen, where nothing may scroll sideways. Screenshots go to test-artifacts/web/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { eventually, linkIn, startWebHarness, tinyPdf, type WebHarness } from '../helpers/web';

const ARTIFACTS = path.resolve(__dirname, '..', '..', 'test-artifacts', 'web');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

describe('submitting from the mail in a browser', () => {
  let h: WebHarness;
  let browser: Browser;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startWebHarness({ listen: true });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-background-networking'],
    });
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
});

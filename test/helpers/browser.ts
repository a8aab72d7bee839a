/**
 * A real browser for the web tests: Debian's chromium through playwright-core (CHROMIUM names
 * another), and axe-core's accessibility check run in a page.
 */
import { readFileSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-background-networking'],
  });
}

/**
 * A new page at a phone's size (390 × 844), in Chinese, signed in by the session `cookie` (a
 * `Cookie` header's `name=value`) on `baseUrl`.
 */
export async function phonePage(browser: Browser, baseUrl: string, cookie: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const pair = cookie.split(';')[0]!;
  const eq = pair.indexOf('=');
  await context.addCookies([{ name: pair.slice(0, eq), value: pair.slice(eq + 1), url: baseUrl }]);
  return context.newPage();
}

interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  nodes: { target: string[] }[];
}

/** axe-core run in the page (evaluate is not subject to the page's CSP); the serious and critical findings. */
export async function axeSerious(page: Page): Promise<string[]> {
  await page.evaluate(AXE);
  const violations = await page.evaluate<AxeViolation[]>(
    'axe.run(document, { resultTypes: ["violations"] }).then((r) => r.violations)',
  );
  return violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.help}): ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
}

/**
 * What every page at a phone's width must be: no serious accessibility finding, nothing that
 * scrolls sideways past its 390 px; and its screenshot, whole, at `screenshot` for a person to look at.
 */
export async function expectFitsPhone(page: Page, screenshot: string): Promise<void> {
  expect(await axeSerious(page)).toEqual([]);
  expect(Number(await page.evaluate('document.documentElement.scrollWidth'))).toBeLessThanOrEqual(390);
  await page.screenshot({ path: screenshot, fullPage: true });
}

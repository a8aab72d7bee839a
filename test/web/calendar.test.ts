/**
 * A person's deadlines in their phone's calendar, end to end on the dev server with the real
 * ledger and SMTP server: a branch's liaison makes a feed address on `/me` (shown once, mailed
 * about without it); the feed lists the branch's open deadlines and nobody else's, each at its
 * due instant with a link that opens its page; an extension moves the event (the same UID), a
 * submission takes it out; the feed's token opens no API, a program's token opens no feed, and a
 * revoked or altered address answers 404. The page that shows the address fits a phone in
 * chromium (test-artifacts/calendar/feed-made.png).
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { SESSION_COOKIE } from '../../web/context';
import { icsInstant } from '../../mail/ics';
import { expectFitsPhone, launchBrowser, phonePage } from '../helpers/browser';
import { eventually, formPost, startWebHarness, TEST_API_TOKEN, type WebHarness } from '../helpers/web';

const FEED = /\/calendar\/(cpt_[0-9a-f]{12}_[A-Za-z0-9_-]{43})\.ics/;
const Q3 = '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'calendar');

/** The feed's content lines unfolded (RFC 5545: a line break and one space continue a line). */
const unfolded = (ics: string): string[] => ics.replace(/\r\n /g, '').split('\r\n');
/** The VEVENTs of a feed, each as its lines. */
const events = (ics: string): string[][] =>
  unfolded(ics)
    .join('\n')
    .split('BEGIN:VEVENT\n')
    .slice(1)
    .map((e) => e.split('\nEND:VEVENT')[0]!.split('\n'));
const prop = (event: string[], name: string): string | undefined =>
  event.find((l) => l.startsWith(`${name}:`))?.slice(name.length + 1);

describe('a person’s deadlines as a calendar feed', () => {
  let h: WebHarness;
  let liu: { cookie: string };
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startWebHarness({ listen: true });
    const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn('liu.yang@example.org')))!;
    liu = { cookie: `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}` };
    await eventually('the Q3 report open', () =>
      h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1').catch(() => undefined),
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  const get = (url: string, headers: Record<string, string> = {}) => h.app.inject({ method: 'GET', url, headers });
  const office = (method: 'GET' | 'POST', url: string, payload?: object) =>
    h.app.inject({ method, url, payload, headers: { authorization: `Bearer ${TEST_API_TOKEN}` } });

  it('lists the person’s open deadlines at their due instants, follows an extension and a submission', async () => {
    const me = await get('/me', liu);
    expect(me.body).toContain('生成日历订阅地址');
    const made = await formPost(h, '/calendar', {}, liu, '/me');
    expect(made.statusCode).toBe(200);
    expect(made.headers['cache-control']).toBe('no-store');
    const token = FEED.exec(made.body)?.[1];
    expect(token).toBeDefined();
    expect(made.body).toContain(`href="webcal://127.0.0.1:${new URL(h.config.BASE_URL).port}/calendar/${token}.ics"`);
    const id = token!.split('_')[1]!;

    // Mailed to its owner, without the address.
    const mail = await eventually('the feed mail', () =>
      h.smtp.received.find(
        (r) => r.envelopeTo.includes('liu.yang@example.org') && /日历订阅地址已生成/.test(r.mail.subject ?? ''),
      ),
    );
    expect(mail.mail.text).toContain(id);
    expect(mail.raw).not.toContain(token!.slice('cpt_'.length + 13));
    // Listed among the person's tokens, as what it is.
    expect((await get('/console/tokens', liu)).body).toMatch(/日历订阅<\/strong> · 日历订阅/);

    const feed = await get(`/calendar/${token}.ics`);
    expect(feed.statusCode).toBe(200);
    expect(feed.headers['content-type']).toBe('text/calendar; charset=utf-8');
    expect(feed.headers['cache-control']).toBe('no-store');
    expect(unfolded(feed.body)).toEqual(
      expect.arrayContaining([
        'BEGIN:VCALENDAR',
        'X-WR-CALNAME:创先争优 · 我的待办',
        'REFRESH-INTERVAL;VALUE=DURATION:PT1H',
      ]),
    );
    // The branch's deadlines only (liu.yang is the liaison of 机械学院教工第一党支部).
    const status = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1');
    const listed = events(feed.body);
    expect(listed.length).toBeGreaterThan(0);
    expect(listed.every((e) => prop(e, 'SUMMARY')!.endsWith('机械学院教工第一党支部'))).toBe(true);
    const q3 = listed.find((e) => prop(e, 'SUMMARY') === '季度工作汇报 2010-Q3 · 机械学院教工第一党支部')!;
    expect(q3).toBeDefined();
    expect(prop(q3, 'UID')).toBe('mini/quarterly-report/2010-Q3/b-mech-t1@127.0.0.1');
    expect(prop(q3, 'DTSTART')).toBe(icsInstant(status.dueAt));
    expect(prop(q3, 'DESCRIPTION')).toContain('截止：2010年9月25日（星期六）23:59（北京时间）');
    expect(q3).toEqual(expect.arrayContaining(['TRIGGER:-P1D']));
    // The quarter to come, tentative, under the UID its deadline will have; the committee's own
    // summary report is not the branch's.
    const q4 = listed.find((e) => prop(e, 'UID') === 'mini/quarterly-report/2010-Q4/b-mech-t1@127.0.0.1')!;
    expect(q4).toBeDefined();
    expect(prop(q4, 'STATUS')).toBe('TENTATIVE');
    expect(prop(q4, 'SUMMARY')).toBe('（预计）季度工作汇报 2010-Q4 · 机械学院教工第一党支部');
    expect(prop(q4, 'DESCRIPTION')).toContain('预计截止：2010年12月26日（星期日）23:59（北京时间）');
    expect(prop(q4, 'DTSTART')).toBe('20101226T155959Z');
    expect(prop(q3, 'STATUS')).toBe('CONFIRMED');
    expect(listed.some((e) => prop(e, 'SUMMARY')!.includes('活动总结'))).toBe(false);

    // Its link opens the deadline's own page, without signing in.
    const link = new URL(prop(q3, 'URL')!);
    const linkPage = await get(link.pathname);
    expect(linkPage.statusCode).toBe(200);
    expect(linkPage.body).toContain('季度工作汇报');

    // The office extends it: the next fetch has the same event at the new instant.
    const extended = await office('POST', `${Q3}/b-mech-t1/extend`, {
      newDueAt: '2010-10-08T17:00:00+08:00',
      reason: '国庆假期顺延',
    });
    expect(extended.statusCode).toBe(200);
    const moved = await eventually('the feed moved', async () => {
      const e = events((await get(`/calendar/${token}.ics`)).body).find(
        (x) => prop(x, 'UID') === prop(q3, 'UID') && prop(x, 'DTSTART') === '20101008T090000Z',
      );
      return e;
    });
    expect(prop(moved, 'DESCRIPTION')).toContain('截止：2010年10月8日（星期五）17:00（北京时间）');

    // Submitted, it leaves the feed.
    const submitted = await office('POST', `${Q3}/b-mech-t1/submit`, { text: '第三季度汇报' });
    expect(submitted.statusCode).toBe(200);
    await eventually('the report out of the feed', async () =>
      events((await get(`/calendar/${token}.ics`)).body).every((x) => prop(x, 'UID') !== prop(q3, 'UID'))
        ? true
        : undefined,
    );

    // The page that shows the address, at a phone's width.
    const browser = await launchBrowser();
    try {
      const page = await phonePage(browser, h.config.BASE_URL, liu.cookie);
      await page.goto(`${h.config.BASE_URL}/me`);
      await page.getByRole('button', { name: '生成日历订阅地址' }).click();
      await page.locator('#calendar').waitFor();
      expect(await page.locator('#feed').inputValue()).toMatch(FEED);
      await expectFitsPhone(page, path.join(ARTIFACTS, 'feed-made.png'));
    } finally {
      await browser.close();
    }
  });

  it('gives a committee’s secretary its branches’ open deadlines and its own cycles to come', async () => {
    const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn('li.mech@example.org')))!;
    const li = { cookie: `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}` };
    const token = FEED.exec((await formPost(h, '/calendar', {}, li, '/me')).body)![1]!;
    const listed = events((await get(`/calendar/${token}.ics`)).body);
    const summaries = listed.map((e) => prop(e, 'SUMMARY')!);
    // The college's branches' open reports (the report handed in above is not among them), none of another college.
    expect(summaries).toContain('季度工作汇报 2010-Q3 · 机械学院本科生第一党支部');
    expect(summaries).not.toContain('季度工作汇报 2010-Q3 · 机械学院教工第一党支部');
    expect(summaries.some((x) => x.includes('信息'))).toBe(false);
    // Its own summary report to come, tentative; not every branch's quarters to come.
    const summary = listed.find((e) => prop(e, 'SUMMARY') === '（预计）活动总结 · 机械工程学院党委')!;
    expect(summary).toBeDefined();
    expect(prop(summary, 'DESCRIPTION')).toContain('预计截止：2011年1月20日（星期四）');
    expect(summaries.filter((x) => x.startsWith('（预计）'))).toEqual(['（预计）活动总结 · 机械工程学院党委']);
  });

  it('opens the feed with its own token only, and the feed’s token opens nothing else', async () => {
    const token = FEED.exec((await formPost(h, '/calendar', {}, liu, '/me')).body)![1]!;
    // The feed's token is no API token.
    const api = await get('/api/v1/campaigns', { authorization: `Bearer ${token}` });
    expect(api.statusCode).toBe(403);
    expect(api.json()).toMatchObject({ title: '令牌只能订阅日历' });
    // A program's token is no feed.
    const made = await formPost(h, '/console/tokens', { name: '看板', access: 'read', days: '30' }, liu);
    const readToken = /cpt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/.exec(made.body)![0];
    expect((await get(`/calendar/${readToken}.ics`)).statusCode).toBe(404);
    // Altered, or not a feed's address at all.
    const altered = `${token.slice(0, -1)}${token.endsWith('A') ? 'B' : 'A'}`;
    expect((await get(`/calendar/${altered}.ics`)).statusCode).toBe(404);
    expect((await get(`/calendar/${token}`)).statusCode).toBe(404);
    // A visitor makes none.
    expect((await h.app.inject({ method: 'POST', url: '/calendar' })).statusCode).toBe(403);

    // Revoked on the tokens page: the next fetch finds no calendar.
    expect((await get(`/calendar/${token}.ics`)).statusCode).toBe(200);
    const id = token.split('_')[1]!;
    const revoked = await formPost(h, `/console/tokens/${id}/revoke`, {}, liu, '/console/tokens');
    expect(revoked.statusCode).toBe(303);
    const gone = await get(`/calendar/${token}.ics`);
    expect(gone.statusCode).toBe(404);
    expect(gone.body).not.toContain('BEGIN:VCALENDAR');
  });
});

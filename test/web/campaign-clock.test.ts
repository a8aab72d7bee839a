/**
 * Links on the campaign's own clock, against the real engine (dev server, worker process) and
 * the real ledger: the mini campaign is rehearsed from 8 December 2010 at one plan day per
 * second, so that a deadline answered on that day is closed for 30 days within half a minute
 * and the campaign ends within a minute and a half.
 *
 * - Until 30 days (of plan time) after its deadline closed, a link shows the whole submission
 *   and still takes its POST (the same submission gets the same receipt); after that it shows
 *   the receipt alone and refuses a POST with a Chinese page, recording nothing.
 * - Once the campaign has ended, a submission (by link or by the API) is refused in Chinese,
 *   and nothing changes in Temporal or the ledger.
 */
import { createHash } from 'node:crypto';
import { WorkflowNotFoundError } from '@temporalio/client';
import { DateTime } from 'luxon';
import { planTime } from '../../domain/clock';
import { LINK_GRACE_MS } from '../../web/deadlines';
import { signLink } from '../../web/links';
import type { LinkTarget } from '../../web/links';
import {
  eventually,
  openLink,
  postLink,
  startWebHarness,
  TEST_API_TOKEN,
  tinyPdf,
  type WebHarness,
} from '../helpers/web';

const DAY = 24 * 3600 * 1000;

describe('links on the campaign clock (one plan day per second)', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ from: '2010-12-08T10:00', scale: DAY / 1000 });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const q4 = (unitId: string): LinkTarget => ({
    campaignId: 'mini',
    obligationKey: 'quarterly-report',
    cycleKey: '2010-Q4',
    unitId,
    purpose: 'submit',
  });
  /** The campaign's plan time now, from its own clock (what the web service goes by). */
  const planNow = async (): Promise<number> => planTime(await h.campaigns.clock('mini'), Date.now());
  const submissions = (unitId: string) => h.ledger.events({ campaignId: 'mini', kinds: ['submission'], unitId });
  const receiptMails = () => h.smtp.received.filter((r) => /报送回执/.test(r.mail.subject ?? ''));
  const opened = (unitId: string) =>
    eventually(`Q4 deadline of ${unitId}`, () =>
      h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q4', unitId).catch((e: unknown) => {
        if (e instanceof WorkflowNotFoundError) return undefined;
        throw e;
      }),
    );

  it("goes by the campaign's clock in the console and the API, not by the instant the campaign last woke", async () => {
    // A query does not move a workflow's time: the campaign's status says the instant of its last
    // wake-up, which falls days behind while it sleeps (here within seconds, a day a second).
    await eventually('the campaign asleep for two plan days', async () => {
      const asleep = (await planNow()) - Date.parse((await h.campaigns.status('mini')).now);
      return asleep > 2 * DAY ? true : undefined;
    });
    const before = await planNow();
    const page = await h.app.inject({
      method: 'GET',
      url: '/console/mini',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    const after = await planNow();
    const m = /计划时间：(\d+)年(\d+)月(\d+)日（星期.）(\d\d):(\d\d)/.exec(page.body);
    expect(m).not.toBeNull();
    const [, y, mo, d, hh, mi] = m!.map(Number);
    const shown = DateTime.fromObject({ year: y, month: mo, day: d, hour: hh, minute: mi }, { zone: 'Asia/Shanghai' });
    // Shown to the minute: between the clock before the request (its minute) and after it.
    expect(shown.toMillis()).toBeGreaterThanOrEqual(before - (before % 60_000));
    expect(shown.toMillis()).toBeLessThanOrEqual(after);

    // The API says the same, and when the campaign last woke beside it.
    const apiBefore = await planNow();
    const api = await h.app.inject({
      method: 'GET',
      url: '/api/v1/campaigns/mini',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    const apiAfter = await planNow();
    const body = api.json<{ now: string; lastWakeAt: string }>();
    expect(Date.parse(body.now)).toBeGreaterThanOrEqual(apiBefore);
    expect(Date.parse(body.now)).toBeLessThanOrEqual(apiAfter);
    expect(Date.parse(body.lastWakeAt)).toBeLessThan(apiBefore);
  });

  it('keeps a link open for 30 days after its deadline closed, then shows the receipt read-only', async () => {
    await opened('b-mech-t1');
    const token = signLink(h.config.LINK_SECRET, q4('b-mech-t1'));
    const pdf = tinyPdf('Q4');
    const sha = createHash('sha256').update(pdf).digest('hex');
    const files = [{ name: 'attachments', filename: '四季度汇报.pdf', type: 'application/pdf', content: pdf }];
    const form = await openLink(h, token); // a double click or a retry posts this page's form again
    const first = await postLink(h, token, { text: '第四季度汇报' }, files, form);
    expect(first.statusCode).toBe(303);
    const status = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q4', 'b-mech-t1');
    expect(status.state).toBe('closed');
    const closedAt = Date.parse(status.receipt!.receivedAt);

    // Before the 30 days: the whole submission, its attachment, and the POST still taken.
    const before = (await openLink(h, token)).res.body;
    const number = /class="receipt-no">([^<]+)</.exec(before)?.[1];
    expect(number).toMatch(/^R[0-9A-F]{4}-/);
    expect(before).toContain('已报送内容');
    expect(before).toContain('第四季度汇报');
    expect(before).not.toContain('仅显示回执');
    expect((await h.app.inject({ method: 'GET', url: `/s/${token}/a/${sha}` })).statusCode).toBe(200);
    const retry = await postLink(h, token, { text: '第四季度汇报' }, files, form);
    expect(retry.statusCode).toBe(303);
    expect((await openLink(h, token)).res.body).toContain(number!);
    // All of that happened inside the 30 days of plan time (a slow machine fails here, not later).
    expect(await planNow()).toBeLessThan(closedAt + LINK_GRACE_MS);
    await eventually('receipt mail', () => (receiptMails().length > 0 ? true : undefined));

    // After the 30 days, by the campaign's clock (the campaign's last wake-up may be earlier).
    await eventually('30 plan days after the close', async () =>
      (await planNow()) > closedAt + LINK_GRACE_MS ? true : undefined,
    );
    const after = (await openLink(h, token)).res;
    expect(after.statusCode).toBe(200);
    expect(after.body).toContain('报送回执');
    expect(after.body).toContain(number!);
    expect(after.body).toContain('仅显示回执');
    expect(after.body).not.toContain('第四季度汇报');
    expect(after.body).not.toContain('<form method="post" action="/s/');
    const late = await postLink(h, token, { text: '第四季度汇报' }, files, form);
    expect(late.statusCode).toBe(410);
    expect(late.body).toContain('链接已过期');
    const changed = await postLink(h, token, { text: '补充材料' }, [], form);
    expect(changed.statusCode).toBe(410);
    expect(await submissions('b-mech-t1')).toHaveLength(1);
    expect((await h.app.inject({ method: 'GET', url: `/s/${token}/a/${sha}` })).statusCode).toBe(403);
    expect(receiptMails()).toHaveLength(1);
  });

  it('refuses a submission after the campaign ended, by link and by the API, changing nothing', async () => {
    await eventually('the summary phase', async () =>
      (await h.campaigns.status('mini')).currentPhase === 'summary' ? true : undefined,
    );
    const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
    const ended = await h.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/mini/end-phase',
      payload: { phaseKey: 'summary', reason: '活动总结完毕' },
      headers: office,
    });
    expect(ended.statusCode).toBe(200);
    expect(ended.json()).toMatchObject({ phaseKey: 'summary', action: 'ended' });
    const campaign = h.campaigns.campaign('mini');
    await eventually(
      'the campaign ended',
      async () => ((await campaign.describe()).status.name === 'COMPLETED' ? true : undefined),
      120_000,
    );
    const ledgerBefore = await h.ledger.events({ campaignId: 'mini' });
    const mailsBefore = h.smtp.received.length;

    const token = signLink(h.config.LINK_SECRET, q4('b-mech-s1'));
    const form = await openLink(h, token);
    expect(form.res.statusCode).toBe(200);
    expect(form.res.body).toContain('该活动已经结束');
    expect(form.res.body).not.toContain('<form method="post" action="/s/');
    // A page left open in a browser still posts: its CSRF token is as good as any (here /login's).
    const login = await h.app.inject({ method: 'GET', url: '/login' });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(login.body)?.[1];
    const cookie = String(login.headers['set-cookie'] ?? '').split(';')[0]!;
    const byLink = await postLink(h, token, { text: '活动结束后的汇报' }, [], { csrf, cookie });
    expect(byLink.statusCode).toBe(409);
    expect(byLink.headers['content-type']).toMatch(/text\/html/);
    expect(byLink.body).toContain('活动已结束');

    const byApi = await h.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q4/b-mech-s1/submit',
      payload: { text: '活动结束后的汇报' },
      headers: office,
    });
    expect(byApi.statusCode).toBe(409);
    expect(byApi.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(byApi.json()).toMatchObject({ status: 409, title: '活动已结束' });

    // Nothing changed: the same ledger, no mail, the campaign and the deadline still ended.
    expect(await h.ledger.events({ campaignId: 'mini' })).toEqual(ledgerBefore);
    expect(await submissions('b-mech-s1')).toEqual([]);
    expect(h.smtp.received.length).toBe(mailsBefore);
    expect((await campaign.describe()).status.name).toBe('COMPLETED');
    const deadline = h.campaigns.client.workflow.getHandle('mini/quarterly-report/2010-Q4/b-mech-s1');
    expect((await deadline.describe()).status.name).toBe('COMPLETED');

    // The ended campaign's audit is still there, through the API as through the CLI.
    const audit = await h.app.inject({ method: 'GET', url: '/api/v1/campaigns/mini/audit/lagging', headers: office });
    expect(audit.statusCode).toBe(200);
    expect(JSON.stringify(audit.json())).toContain('b-mech-s1');
  });
});

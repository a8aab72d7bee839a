/**
 * A unit asks for more time through its link (申请延期), on the dev server with the real ledger
 * and SMTP: the office is mailed the request with the console's extend form filled from it, sees
 * it on the dashboard and the deadline's page, and grants it (the engine's due instant moves, the
 * unit is mailed the new one) or declines it saying why (the unit is mailed, and may ask again).
 * Refused by field: a due instant not after the one that stands or a year past it, no reason, a
 * field the form does not have, no CSRF token; a second request while one waits; a review's link;
 * a committee's secretary answering; an answer to a request already answered. A report handed in
 * settles a request still waiting.
 */
import {
  eventually,
  formPost,
  multipart,
  openLink,
  pageText,
  postLink,
  Q3,
  sessionCookie,
  startWebHarness,
  TEST_API_TOKEN,
  type WebHarness,
} from '../helpers/web';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { signLink } from '../../web/links';
import { expectFitsPhone, launchBrowser, phonePage } from '../helpers/browser';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'web');

const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
const DEADLINE = '/console/mini/o/quarterly-report/2010-Q3/b-mech-t1';

describe('a unit asks for more time', () => {
  let h: WebHarness;
  let token: string;
  beforeAll(async () => {
    h = await startWebHarness({ listen: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    token = signLink(h.config.LINK_SECRET, Q3);
    await eventually('the Q3 report open', () =>
      h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1').catch(() => undefined),
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  const ask = async (fields: Record<string, string>, form?: { csrf?: string; cookie: string }) => {
    const { csrf, cookie } = form ?? (await openLink(h, token));
    const body = multipart({ _csrf: csrf ?? '', ...fields });
    return h.app.inject({
      method: 'POST',
      url: `/s/${token}/extension`,
      payload: body.payload,
      headers: { ...body.headers, cookie },
    });
  };
  const get = (url: string, headers: Record<string, string> = office) => h.app.inject({ method: 'GET', url, headers });
  const due = async () => (await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1')).dueAt;
  const requests = () => h.ledger.events({ campaignId: 'mini', kinds: ['extension-requested'] });

  it('refuses a bad request by field, and records nothing', async () => {
    // Offered on the page, a week past the due instant of 23:59 on Saturday 25 September.
    const page = (await openLink(h, token)).res.body;
    expect(page).toContain(`action="/s/${token}/extension"`);
    expect(page).toContain('name="until" required value="2010-10-02T23:59"');

    // Each refusal says what is wrong with which field, in words.
    const refused = async (fields: Record<string, string>, words: RegExp) => {
      const res = await ask(fields);
      expect(res.statusCode).toBe(400);
      expect(pageText(res.body)).toMatch(words);
    };
    await refused({ until: '2010-09-20T17:00', reason: '出差' }, /申请延至的时间须晚于现在的截止时间/);
    await refused({ until: '2011-10-01T17:00', reason: '出差' }, /一次最多申请延期366天/);
    await refused({ until: '2010-02-30T17:00', reason: '出差' }, /“2010-02-30T17:00”不是一个真实存在的时间/);
    await refused({ until: '2010-10-05T17:00', reason: '' }, /请说明为什么需要延期/);
    await refused({ until: '2010-10-05T17:00', reason: '出差', dueAt: '2011-01-01' }, /无关字段“dueAt”/);
    // No CSRF token: refused before anything is read.
    const { cookie } = await openLink(h, token);
    const forged = await ask({ until: '2010-10-05T17:00', reason: '出差' }, { csrf: 'forged', cookie });
    expect(forged.statusCode).toBe(403);
    // A leader's review is not the unit's to extend (the form's CSRF token is good for any route).
    const review = signLink(h.config.LINK_SECRET, { ...Q3, purpose: 'review' });
    const form = await openLink(h, token);
    const body = multipart({ _csrf: form.csrf ?? '', until: '2010-10-05T17:00', reason: '出差' });
    const onReview = await h.app.inject({
      method: 'POST',
      url: `/s/${review}/extension`,
      payload: body.payload,
      headers: { ...body.headers, cookie: form.cookie },
    });
    expect(onReview.statusCode).toBe(400);
    expect(pageText(onReview.body)).toContain('领导点评的延期由活动办公室办理');
    expect(await requests()).toEqual([]);
  });

  it('takes the request, tells the office, shows it to the office and the committee, and holds a second one back', async () => {
    const res = await ask({ until: '2010-10-08T17:00', reason: '支部书记赴外地培训，10月初返校后召开支委会审定汇报' });
    expect(res.statusCode).toBe(303);
    expect(res.headers.location).toBe(`/s/${token}#extension`);
    const [asked] = await requests();
    expect(asked).toMatchObject({
      id: 'mini/quarterly-report/2010-Q3/b-mech-t1:extension-request:1',
      unitId: 'b-mech-t1',
      committeeId: 'c-mech',
      reason: '支部书记赴外地培训，10月初返校后召开支委会审定汇报',
      data: { request: 1, until: '2010-10-08T09:00:00.000Z' },
    });
    // Who asked: the person the link was mailed to.
    expect(asked!.actor).toContain('liu.yang@example.org');

    const mail = await eventually('the request mail to the office', () =>
      h.smtp.received.find((r) => /【延期申请】/.test(r.mail.subject ?? '')),
    );
    expect(mail.envelopeTo).toEqual(['office@example.org']);
    expect(mail.mail.subject).toBe(
      '【延期申请】机械学院教工第一党支部申请将「2010年第三季度工作汇报」延至2010年10月8日',
    );
    const text = mail.mail.text ?? '';
    expect(text).toContain('由2010年9月25日（星期六）23:59延至2010年10月8日（星期五）17:00');
    expect(text).toContain('理由：支部书记赴外地培训');
    expect(text).toContain(`${h.config.BASE_URL}${DEADLINE}/extend?request=1`);
    expect(text).not.toContain('undefined');

    // The link says it waits, with no second form; a second request is refused.
    const link = pageText((await openLink(h, token)).res.body);
    expect(link).toMatch(/申请延期至 2010年10月8日（星期五）17:00（北京时间）.*等待|活动办公室处理后会邮件通知本单位/);
    expect((await openLink(h, token)).res.body).not.toContain(`/s/${token}/extension"`);
    const again = await ask({ until: '2010-10-09T17:00', reason: '再申请' });
    expect(again.statusCode).toBe(409);
    expect(pageText(again.body)).toContain('已有一份延期申请等待活动办公室处理');
    expect(await requests()).toHaveLength(1);

    // The office's dashboard and the deadline's page list it, with the two answers.
    const dash = pageText((await get('/console/mini')).body);
    expect(dash).toContain('待处理的延期申请');
    expect(dash).toMatch(/机械学院教工第一党支部 · 季度工作汇报 2010-Q3 · 申请延至 2010年10月8日/);
    const deadline = (await get(DEADLINE)).body;
    expect(deadline).toContain(`href="${DEADLINE}/extend?request=1"`);
    expect(deadline).toContain(`href="${DEADLINE}/extension-decline?request=1"`);
    expect(pageText(deadline)).toContain('申请延期 · 申请延至 2010年10月8日（星期五）17:00');

    // Its committee sees it too, without the answers; another committee does not.
    const mech = { cookie: await sessionCookie(h, 'li.mech@example.org') };
    expect(pageText((await get('/console/mini', mech)).body)).toContain('待处理的延期申请');
    expect((await get(DEADLINE, mech)).body).not.toContain('/extend?request=1');
    const info = { cookie: await sessionCookie(h, 'zhao.info@example.org') };
    expect(pageText((await get('/console/mini', info)).body)).not.toContain('待处理的延期申请');
    // …and cannot answer it, forged or not.
    expect((await get(`${DEADLINE}/extension-decline?request=1`, mech)).statusCode).toBe(403);
    const forged = await formPost(
      h,
      `${DEADLINE}/extension-decline`,
      { request: '1', reason: '不同意', confirm: 'yes' },
      mech,
      '/console/mini',
    );
    expect(forged.statusCode).toBe(403);
  });

  it('grants it from the form filled from the request: the due instant moves and the unit is told', async () => {
    // The office's extend form still opens without a request, as before.
    expect((await get(`${DEADLINE}/extend`)).body).toContain('name="newDueAt" required value="2010-09-25T23:59"');
    expect((await get(`${DEADLINE}/extend?request=x`)).statusCode).toBe(400);
    expect((await get(`${DEADLINE}/extend?request=2`)).statusCode).toBe(409);
    const form = (await get(`${DEADLINE}/extend?request=1`)).body;
    expect(form).toContain('name="newDueAt" required value="2010-10-08T17:00"');
    expect(form).toContain('name="request" value="1"');
    expect(form).toContain('同意本单位延期申请（支部书记赴外地培训');

    // The office gives a day less than asked.
    const done = await formPost(
      h,
      `${DEADLINE}/extend`,
      { scope: 'unit', newDueAt: '2010-10-07T17:00', request: '1', reason: '同意，延至10月7日', confirm: 'yes' },
      office,
      `${DEADLINE}/extend?request=1`,
    );
    expect(done.statusCode).toBe(303);
    expect(await due()).toBe('2010-10-07T09:00:00.000Z');
    const [grant] = await h.ledger.events({ campaignId: 'mini', kinds: ['extension-granted'] });
    expect(grant).toMatchObject({
      id: 'mini/quarterly-report/2010-Q3/b-mech-t1:extension-granted:1',
      actor: 'api-token',
      reason: '同意，延至10月7日',
      data: { request: 1, newDueAt: '2010-10-07T09:00:00.000Z' },
    });
    const mail = await eventually('the grant mail to the unit', () =>
      h.smtp.received.find((r) => /同意延期/.test(r.mail.subject ?? '')),
    );
    expect(mail.envelopeTo).toEqual(expect.arrayContaining(['liu.yang@example.org']));
    expect(mail.mail.subject).toBe('【延期申请答复】「2010年第三季度工作汇报」同意延期至2010年10月7日');
    expect(mail.mail.text).toContain('新的截止时间：2010年10月7日（星期四）17:00');
    expect(mail.mail.text).toContain(`${h.config.BASE_URL}/s/${token}`);

    // Nothing waits any more; the link says what was granted and offers the form again.
    expect(pageText((await get('/console/mini')).body)).not.toContain('待处理的延期申请');
    const link = (await openLink(h, token)).res.body;
    expect(pageText(link)).toContain('同意延期至 2010年10月7日（星期四）17:00');
    expect(link).toContain(`action="/s/${token}/extension"`);
    // Answered: the form does not take it again.
    const twice = await formPost(
      h,
      `${DEADLINE}/extend`,
      { scope: 'unit', newDueAt: '2010-10-08T17:00', request: '1', reason: '再次', confirm: 'yes' },
      office,
      DEADLINE + '/extend',
    );
    expect(twice.statusCode).toBe(409);
    expect(await due()).toBe('2010-10-07T09:00:00.000Z');
  });

  it('declines a second request saying why: the unit is told, the due instant stands, and it may ask again', async () => {
    expect((await ask({ until: '2010-10-20T17:00', reason: '材料仍未收齐' })).statusCode).toBe(303);
    const unconfirmed = await formPost(
      h,
      `${DEADLINE}/extension-decline`,
      { request: '2', reason: '已延期一次' },
      office,
      `${DEADLINE}/extension-decline?request=2`,
    );
    expect(unconfirmed.statusCode).toBe(400);
    expect(pageText(unconfirmed.body)).toContain('请勾选“确认执行”后再提交');
    const declined = await formPost(
      h,
      `${DEADLINE}/extension-decline`,
      { request: '2', reason: '本季度已延期一次，请按时报送', confirm: 'yes' },
      office,
      `${DEADLINE}/extension-decline?request=2`,
    );
    expect(declined.statusCode).toBe(303);
    expect(declined.headers.location).toBe(DEADLINE);
    expect(await due()).toBe('2010-10-07T09:00:00.000Z');
    const mail = await eventually('the decline mail to the unit', () =>
      h.smtp.received.find((r) => /不予延期/.test(r.mail.subject ?? '')),
    );
    expect(mail.mail.text).toContain('截止时间仍为：2010年10月7日（星期四）17:00');
    expect(mail.mail.text).toContain('理由：本季度已延期一次，请按时报送');
    const again = await formPost(
      h,
      `${DEADLINE}/extension-decline`,
      { request: '2', reason: '再次', confirm: 'yes' },
      office,
      `${DEADLINE}/waive`,
    );
    expect(again.statusCode).toBe(409);
    // The history says all of it.
    const history = pageText((await get(DEADLINE)).body);
    expect(history).toContain('同意延期申请 · 新截止 2010年10月7日（星期四）17:00');
    expect(history).toContain('不同意延期申请 · 经办 api-token · 理由：本季度已延期一次，请按时报送');
    const link = (await openLink(h, token)).res.body;
    expect(pageText(link)).toContain('答复：不予延期，理由：本季度已延期一次，请按时报送');
    expect(link).toContain(`action="/s/${token}/extension"`);
  });

  it('lets a report handed in settle a request still waiting', async () => {
    expect((await ask({ until: '2010-10-15T17:00', reason: '第三次申请' })).statusCode).toBe(303);
    expect(pageText((await get('/console/mini')).body)).toContain('待处理的延期申请');
    expect((await postLink(h, token, { text: '第三季度汇报' })).statusCode).toBe(303);
    await eventually('the submission in the ledger', async () =>
      (await h.ledger.events({ campaignId: 'mini', kinds: ['submission'], unitId: 'b-mech-t1' })).length > 0
        ? true
        : undefined,
    );
    expect(pageText((await get('/console/mini')).body)).not.toContain('待处理的延期申请');
    expect((await get(`${DEADLINE}/extend?request=3`)).statusCode).toBe(409);
    // Answered: the link asks no more.
    expect((await openLink(h, token)).res.body).not.toContain(`/s/${token}/extension"`);
    expect((await ask({ until: '2010-10-15T17:00', reason: '再申请' })).statusCode).toBe(409);
  });

  it('is asked, read and answered through the JSON API, in scope', async () => {
    const api = (token: string, method: 'GET' | 'POST', url: string, payload?: unknown) =>
      h.app.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });
    const tokenOf = async (email: string) =>
      (await h.deps.apiTokens.create({ email, name: '看板', access: 'write', days: 30 })).token;
    const yang = await tokenOf('yang.fan@example.org'); // 信息学院教工党支部's secretary
    const zhang = await tokenOf('zhang.wei@example.org'); // another branch's
    const URL = '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3/b-info-t1/extension-requests';

    // Refused by field: an instant without its offset, one not after the due instant, no reason, a stray field.
    const bad = async (body: unknown, field: string) => {
      const res = await api(yang, 'POST', URL, body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ errors: [expect.objectContaining({ field })] });
    };
    await bad({ until: '2010-10-05T17:00', reason: '出差' }, 'body.until');
    await bad({ until: '2010-09-20T17:00+08:00', reason: '出差' }, 'body.until');
    await bad({ until: '2010-10-05T17:00+08:00', reason: ' ' }, 'body.reason');
    await bad({ until: '2010-10-05T17:00+08:00', reason: '出差', by: 'x' }, 'body.by');
    // Not hers to ask about, and a review is not a unit's to extend.
    expect((await api(zhang, 'POST', URL, { until: '2010-10-05T17:00+08:00', reason: '出差' })).statusCode).toBe(403);
    expect(
      (
        await api(yang, 'POST', URL.replace('quarterly-report', 'quarterly-report.review'), {
          until: '2010-10-05T17:00+08:00',
          reason: '出差',
        })
      ).statusCode,
    ).toBe(400);

    const asked = await api(yang, 'POST', URL, { until: '2010-10-05T17:00+08:00', reason: '材料待审' });
    expect(asked.statusCode).toBe(200);
    expect(asked.json()).toMatchObject({
      request: 1,
      by: 'yang.fan@example.org',
      until: '2010-10-05T09:00:00.000Z',
      reason: '材料待审',
      state: 'pending',
    });
    await eventually('the request mail to the office', () =>
      h.smtp.received.find((r) => /【延期申请】信息学院教工党支部/.test(r.mail.subject ?? '')),
    );
    expect((await api(yang, 'POST', URL, { until: '2010-10-06T17:00+08:00', reason: '再' })).statusCode).toBe(409);
    // Only the office answers.
    expect((await api(yang, 'POST', `${URL}/1/grant`, { reason: '自己批' })).statusCode).toBe(403);
    expect((await api(TEST_API_TOKEN, 'POST', `${URL}/2/grant`, { reason: '同意' })).statusCode).toBe(409);

    // Granted as asked: the engine's due instant moves and the unit's view says who and when.
    const granted = await api(TEST_API_TOKEN, 'POST', `${URL}/1/grant`, { reason: '同意' });
    expect(granted.statusCode).toBe(200);
    expect(granted.json()).toMatchObject({
      state: 'granted',
      answer: { by: 'api-token', reason: '同意', newDueAt: '2010-10-05T09:00:00.000Z' },
    });
    expect((await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-info-t1')).dueAt).toBe(
      '2010-10-05T09:00:00.000Z',
    );
    await eventually('the grant mail to the unit', () =>
      h.smtp.received.find(
        (r) =>
          /「2010年第三季度工作汇报」同意延期至2010年10月5日/.test(r.mail.subject ?? '') &&
          r.envelopeTo.includes('yang.fan@example.org'),
      ),
    );

    // A second, declined; the list holds both, each with its answer.
    expect((await api(yang, 'POST', URL, { until: '2010-10-12T17:00+08:00', reason: '仍需时间' })).statusCode).toBe(
      200,
    );
    const declined = await api(TEST_API_TOKEN, 'POST', `${URL}/2/decline`, { reason: '不再延期' });
    expect(declined.json()).toMatchObject({ request: 2, state: 'declined', answer: { reason: '不再延期' } });
    expect((await api(TEST_API_TOKEN, 'POST', `${URL}/2/decline`, { reason: '不再延期' })).statusCode).toBe(409);
    const list = await api(yang, 'GET', URL);
    expect(
      list.json<{ requests: { request: number; state: string }[] }>().requests.map((r) => [r.request, r.state]),
    ).toEqual([
      [1, 'granted'],
      [2, 'declined'],
    ]);
    expect((await api(zhang, 'GET', URL)).statusCode).toBe(403);
    // In the OpenAPI document.
    const doc = (
      await h.app.inject({
        method: 'GET',
        url: '/api/v1/openapi.json',
        headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
      })
    ).json<{ paths: Record<string, unknown> }>();
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/campaigns/{campaignId}/deadlines/{obligationKey}/{cycleKey}/{unitId}/extension-requests',
        '/api/v1/campaigns/{campaignId}/deadlines/{obligationKey}/{cycleKey}/{unitId}/extension-requests/{request}/grant',
      ]),
    );
  });

  it('is asked on a phone by tapping, without script', async () => {
    const other = signLink(h.config.LINK_SECRET, { ...Q3, unitId: 'b-mech-s1' });
    const browser = await launchBrowser();
    try {
      const page = await phonePage(browser, h.config.BASE_URL, 'lang=zh');
      await page.goto(`${h.config.BASE_URL}/s/${other}`);
      await page.getByText('申请延期', { exact: true }).click();
      await page.getByLabel('申请延至（北京时间）').fill('2010-09-30T17:00');
      await page.getByLabel('理由').fill('支部党员大会定于9月29日召开');
      await expectFitsPhone(page, path.join(ARTIFACTS, 'extension-request.png'));
      await page.getByRole('button', { name: '提交延期申请' }).click();
      await page.locator('#extension').waitFor();
      expect(pageText(await page.locator('#extension').innerHTML())).toContain(
        '申请延期至 2010年9月30日（星期四）17:00（北京时间）',
      );
      await expectFitsPhone(page, path.join(ARTIFACTS, 'extension-request-pending.png'));
    } finally {
      await browser.close();
    }
    const [asked] = await h.ledger.events({ campaignId: 'mini', kinds: ['extension-requested'], unitId: 'b-mech-s1' });
    expect(asked).toMatchObject({
      reason: '支部党员大会定于9月29日召开',
      data: { request: 1, until: '2010-09-30T09:00:00.000Z' },
    });
  });
});

/**
 * Dates in web requests are checked as the command line checks `--as-of` and `--until`
 * (`requestInstant`, domain/dates.ts): a real day and time of day in the years 1970 to 2100, and
 * for the console's local time, one the campaign zone's clocks show. The API's `newDueAt` and
 * `asOf` took any ISO shape (the year 9999, 30 February) and the console's extend form moved a
 * time in a DST gap without a word; each is now refused naming its field, and nothing moves.
 */
import { eventually, multipart, startWebHarness, TEST_API_TOKEN, type WebHarness } from '../helpers/web';

const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
const CSRF_COOKIE = /_csrf=[^;]+/;
const Q3 = ['mini', 'quarterly-report', '2010-Q3'] as const;

describe('dates in web requests', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness();
    // The branches' Q3 reports open as the rehearsal starts: wait for their deadlines.
    await eventually('the Q3 deadlines started', async () =>
      (await h.campaigns.list('mini', { cycle: '2010-Q3' })).length === 4 ? true : undefined,
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  const api = (method: 'GET' | 'POST', url: string, payload?: object) =>
    h.app.inject({ method, url: `/api/v1/campaigns/mini${url}`, payload, headers: office });

  it.each([
    ['the year 9999', '9999-01-01T00:00:00Z', 'outside the years 1970 to 2100'],
    ['30 February', '2010-02-30T10:00:00+08:00', 'is not a day of the calendar'],
  ])('the API refuses %s as newDueAt and as asOf, naming the field', async (_what, value, says) => {
    const before = await h.campaigns.deadlineStatus(...Q3, 'b-mech-t1');
    const extend = await api('POST', '/deadlines/quarterly-report/2010-Q3/b-mech-t1/extend', {
      newDueAt: value,
      reason: '顺延',
    });
    expect(extend.statusCode).toBe(400);
    expect(extend.headers['content-type']).toMatch(/^application\/problem\+json/);
    // One error, this field's: arrays in toMatchObject match in length.
    expect(extend.json()).toMatchObject({
      errors: [{ field: 'body.newDueAt', message: expect.stringContaining(says) }],
    });
    expect((await h.campaigns.deadlineStatus(...Q3, 'b-mech-t1')).dueAt).toBe(before.dueAt);

    const audit = await api('GET', `/audit/lagging?asOf=${encodeURIComponent(value)}`);
    expect(audit.statusCode).toBe(400);
    expect(audit.json()).toMatchObject({
      errors: [{ field: 'query.asOf', message: expect.stringContaining(says) }],
    });
  });

  it('the API still takes a real instant as asOf', async () => {
    expect((await api('GET', `/audit/lagging?asOf=${encodeURIComponent('2010-12-31T16:00:00Z')}`)).statusCode).toBe(
      200,
    );
  });

  /** Posts the console's extend form for one unit, with a CSRF token taken from its page. */
  async function extendForm(newDueAt: string) {
    const url = `/console/${Q3.join('/').replace('mini/', 'mini/o/')}/b-info-s1/extend`;
    const page = await h.app.inject({ method: 'GET', url, headers: office });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const cookie = ([] as string[]).concat(page.headers['set-cookie'] ?? []).find((c) => CSRF_COOKIE.test(c));
    const form = multipart({ _csrf: csrf, scope: 'unit', newDueAt, reason: '顺延', confirm: 'yes' });
    return h.app.inject({
      method: 'POST',
      url,
      payload: form.payload,
      headers: { ...office, ...form.headers, cookie: cookie?.split(';')[0] ?? '' },
    });
  }

  it.each([
    ['the year 9999', '9999-10-12T17:00', 'outside the years 1970 to 2100'],
    // Clocks in China went forward at 02:00 on 4 May 1986: 02:30 that day never was.
    ['a time the clocks skip', '1986-05-04T02:30', 'does not exist in Asia/Shanghai'],
  ])('the console’s extend form refuses %s on a Chinese page, naming the field', async (_what, value, says) => {
    const before = await h.campaigns.deadlineStatus(...Q3, 'b-info-s1');
    const res = await extendForm(value);
    expect(res.statusCode).toBe(400);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('新的截止时间不对');
    expect(res.body).toContain(says);
    expect((await h.campaigns.deadlineStatus(...Q3, 'b-info-s1')).dueAt).toBe(before.dueAt);
  });
});

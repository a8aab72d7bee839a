/**
 * The office corrects a report already received (更正), through the console's form, on the dev
 * server with the real ledger and attachment store: the unit's link then shows the report as
 * corrected (and the files it had before, still served), the deadline's history and the unit's
 * page say who corrected it, when and why, and the lateness stays the original's. Refused: a
 * unit that has not reported, a committee secretary, a file of another report kept by its ref,
 * and a correction recorded meanwhile by someone else (ledger/corrections.ts).
 */
import { createHash } from 'node:crypto';
import { CorrectionRefused, currentReport, recordCorrection } from '../../ledger/corrections';
import { SESSION_COOKIE } from '../../web/context';
import { signLink } from '../../web/links';
import {
  eventually,
  formPost,
  multipart,
  openLink,
  postLink,
  Q3,
  startWebHarness,
  TEST_API_TOKEN,
  tinyPdf,
  type WebHarness,
} from '../helpers/web';

const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
const BASE = '/console/mini/o/quarterly-report/2010-Q3';
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const flat = (s: string): string => s.replace(/\s+/g, ' ');

describe('correcting a report received', () => {
  let h: WebHarness;
  let token: string;
  const original = tinyPdf('Q3 as sent');
  const corrected = tinyPdf('Q3 as it should have been');
  beforeAll(async () => {
    h = await startWebHarness();
    token = signLink(h.config.LINK_SECRET, Q3);
    await eventually('the Q3 report open', () =>
      h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1').catch(() => undefined),
    );
    const sent = await postLink(h, token, { text: '第三季度汇报（误传了二季度的表）' }, [
      { name: 'attachments', filename: '二季度汇总.pdf', type: 'application/pdf', content: original },
    ]);
    expect(sent.statusCode).toBe(303);
  });
  afterAll(async () => {
    await h?.stop();
  });

  const get = (url: string, headers: Record<string, string> = office) => h.app.inject({ method: 'GET', url, headers });

  it('records the corrected report beside the original, shown on the link, the history and the unit’s page', async () => {
    const before = await h.ledger.deadlineRows({ campaignId: 'mini', unitId: 'b-mech-t1', cycleKey: '2010-Q3' });
    const form = await get(`${BASE}/b-mech-t1/correct`);
    expect(form.statusCode).toBe(200);
    // The report as it stands, to edit, and its file, kept unless unticked.
    expect(form.body).toContain('第三季度汇报（误传了二季度的表）</textarea>');
    expect(form.body).toContain(`name="keep" value="sha256:${sha(original)}" checked`);
    expect(form.body).toContain('二季度汇总.pdf');

    // Unconfirmed, or without a reason: refused, nothing recorded.
    const unconfirmed = await formPost(
      h,
      `${BASE}/b-mech-t1/correct`,
      { text: '第三季度汇报', reason: '误传' },
      office,
    );
    expect(unconfirmed.statusCode).toBe(400);
    const post = (fields: Record<string, string>, keep: string[], files: Buffer[]) =>
      formPost(
        h,
        `${BASE}/b-mech-t1/correct`,
        { ...fields, keep },
        office,
        undefined,
        files.map((content) => ({ name: 'attachments', filename: '三季度汇报.pdf', type: 'application/pdf', content })),
      );
    // A ref of a file that is not this report's cannot be kept.
    const foreign = await post(
      { text: '第三季度汇报', reason: '误传', confirm: 'yes' },
      [`sha256:${'ab'.repeat(32)}`],
      [],
    );
    expect(foreign.statusCode).toBe(400);
    expect(foreign.body).toContain('只能保留本报送现有的附件');
    expect(await h.ledger.events({ campaignId: 'mini', kinds: ['submission-corrected'] })).toEqual([]);

    // The original file dropped, the right one added.
    const done = await post(
      { text: '第三季度工作汇报（更正）', reason: '支部误传了二季度的表，书记来电要求更正', confirm: 'yes' },
      [],
      [corrected],
    );
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`${BASE}/b-mech-t1`);

    const [c1] = await h.ledger.events({ campaignId: 'mini', kinds: ['submission-corrected'] });
    expect(c1).toMatchObject({
      id: 'mini/quarterly-report/2010-Q3/b-mech-t1:correction:1',
      unitId: 'b-mech-t1',
      committeeId: 'c-mech',
      actor: 'api-token',
      reason: '支部误传了二季度的表，书记来电要求更正',
      data: { correction: 1, text: '第三季度工作汇报（更正）', attachments: [`sha256:${sha(corrected)}`] },
    });
    // The original stays, and the deadline's summary (when it came, how late) is untouched.
    expect(await h.ledger.events({ campaignId: 'mini', kinds: ['submission'], unitId: 'b-mech-t1' })).toHaveLength(1);
    expect(await h.ledger.deadlineRows({ campaignId: 'mini', unitId: 'b-mech-t1', cycleKey: '2010-Q3' })).toEqual(
      before,
    );

    // The unit is told: who, when, why, its receipt as it was, and the link to the report as corrected.
    const mail = await eventually('the correction mail', () =>
      h.smtp.received.find((r) => /【报送更正】/.test(r.mail.subject ?? '')),
    );
    expect(mail.envelopeTo).toEqual(expect.arrayContaining(['liu.yang@example.org']));
    expect(mail.mail.text).toContain('理由：支部误传了二季度的表，书记来电要求更正');
    expect(mail.mail.text).toContain('经办：api-token');
    expect(mail.mail.text).toMatch(/更正时间：2010年9月\d+日（星期.）\d\d:\d\d/);
    expect(mail.mail.text).toContain('报送情况：按时报送');
    const receiptNo = /回执号：(R[0-9A-F-]+)/.exec(mail.mail.text ?? '')?.[1];
    expect((await openLink(h, token)).res.body).toContain(receiptNo!);
    expect(mail.mail.text).toContain(`${h.config.BASE_URL}/s/${token}`);

    // The unit's link: the report as corrected, who corrected it and why, and the file before, still served.
    const link = flat((await openLink(h, token)).res.body);
    expect(link).toContain('第三季度工作汇报（更正）');
    expect(link).not.toContain('误传了二季度的表）');
    expect(link).toMatch(
      /活动办公室 api-token 于 2010年9月\d+日（星期.）\d\d:\d\d（北京时间） 更正，理由：支部误传了二季度的表/,
    );
    expect(link).toContain('更正前的附件');
    for (const file of [corrected, original]) {
      const res = await h.app.inject({ method: 'GET', url: `/s/${token}/a/${sha(file)}` });
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.equals(file)).toBe(true);
    }

    // The deadline's history and the unit's page.
    const history = flat((await get(`${BASE}/b-mech-t1`)).body);
    expect(history).toContain('更正报送 · 经办 api-token · 理由：支部误传了二季度的表，书记来电要求更正');
    expect(history).toContain(`href="${BASE}/b-mech-t1/correct"`);
    const unit = flat((await get('/console/mini/u/b-mech-t1')).body);
    expect(unit).toMatch(
      /办公室更正 · 经办 api-token · 理由：支部误传了二季度的表，书记来电要求更正 · <a href="\/s\/[^"]+\/a\//,
    );
  });

  it('refuses a unit that has not reported, and anyone but the office', async () => {
    const none = await get(`${BASE}/b-info-s1/correct`);
    expect(none.statusCode).toBe(409);
    expect(none.body).toContain('该单位尚未报送这一事项');
    // No button either, on a deadline without a report.
    expect((await get(`${BASE}/b-info-s1`)).body).not.toContain('/correct"');

    const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn('li.mech@example.org')))!;
    const committee = { cookie: `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}` };
    expect((await get(`${BASE}/b-mech-t1/correct`, committee)).statusCode).toBe(403);
    const body = multipart({ text: '改', reason: '改', confirm: 'yes' });
    const forged = await h.app.inject({
      method: 'POST',
      url: `${BASE}/b-mech-t1/correct`,
      payload: body.payload,
      headers: { ...body.headers, ...committee },
    });
    expect(forged.statusCode).toBe(403);
    expect(await h.ledger.events({ campaignId: 'mini', kinds: ['submission-corrected'] })).toHaveLength(1);
    expect((await get(`${BASE}/b-mech-t1`, committee)).body).not.toContain('/correct"');
  });

  it('numbers corrections, and refuses the second of two taking the same number at once', async () => {
    const keys = { campaignId: 'mini', obligationKey: 'quarterly-report', cycleKey: '2010-Q3', unitId: 'b-mech-t1' };
    const req = {
      ...keys,
      at: '2010-09-20T02:00:00.000Z',
      by: 'office@example.org',
      reason: '再次更正',
      attachments: [],
    };
    const results = await Promise.allSettled([
      recordCorrection(h.ledger, { ...req, text: '甲' }),
      recordCorrection(h.ledger, { ...req, text: '乙' }),
    ]);
    const refused = results.filter((r) => r.status === 'rejected');
    expect(refused).toHaveLength(1);
    expect((refused[0] as PromiseRejectedResult).reason).toBeInstanceOf(CorrectionRefused);
    expect((refused[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'CONFLICT' });
    const report = currentReport(await h.ledger.events({ ...keys, kinds: ['submission', 'submission-corrected'] }))!;
    expect(report.corrections.map((c) => c.data?.correction)).toEqual([1, 2]);
    expect(['甲', '乙']).toContain(report.text);
    // Correction 2 listed no file: both files before it are the unit's record still.
    expect(report.attachments).toEqual([]);
    expect(report.earlierAttachments.sort()).toEqual([`sha256:${sha(original)}`, `sha256:${sha(corrected)}`].sort());
    await expect(recordCorrection(h.ledger, { ...req, unitId: 'b-info-s1', text: '丙' })).rejects.toMatchObject({
      code: 'NOT_SUBMITTED',
    });
  });
});

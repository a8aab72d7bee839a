/**
 * The office corrects a report already received (更正), through the console's form, on the dev
 * server with the real ledger and attachment store: the unit's link then shows the report as
 * corrected (and the files it had before, still served), the deadline's history and the unit's
 * page say who corrected it, when and why, and the lateness stays the original's. Refused: a
 * unit that has not reported, a committee secretary, a file of another report kept by its ref,
 * and a correction recorded meanwhile by someone else (ledger/corrections.ts). A leader corrects
 * their own review comment through the review link (recorded at once, the original kept), and the
 * office one in the console; the reviewer is mailed either way.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { CorrectionRefused, currentReport, recordCorrection, REPORT_KINDS } from '../../ledger/corrections';
import { SESSION_COOKIE } from '../../web/context';
import { runCli } from '../helpers/processes';
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
    // Named as the notice named it: the cycle by its label, not its key.
    expect(mail.mail.subject).toBe(
      '【报送更正】机械学院教工第一党支部「2010年第三季度工作汇报」已由活动办公室更正（回执号' +
        /回执号：(R[0-9A-F-]+)/.exec(mail.mail.text ?? '')![1]! +
        '）',
    );
    expect(mail.mail.text).not.toContain('undefined');
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

  it('takes a unit’s request through its link; the office’s form starts from it, and answering it settles it', async () => {
    const unit = { ...Q3, unitId: 'b-info-t1' };
    const link = signLink(h.config.LINK_SECRET, unit);
    const base = `${BASE}/b-info-t1`;
    const ask = async (fields: Record<string, string>, files: Buffer[] = [], token = link) => {
      const { csrf, cookie } = await openLink(h, token);
      const body = multipart(
        { _csrf: csrf ?? '', ...fields },
        files.map((content) => ({
          name: 'attachments',
          filename: '支部会议记录.pdf',
          type: 'application/pdf',
          content,
        })),
      );
      return h.app.inject({
        method: 'POST',
        url: `/s/${token}/correction`,
        payload: body.payload,
        headers: { ...body.headers, cookie },
      });
    };
    // Nothing reported yet: nothing to correct, nothing kept.
    const early = await ask({ text: '信息学院第三季度汇报', reason: '补附件' }, [tinyPdf('too early')]);
    expect(early.statusCode).toBe(409);
    expect(early.body).toContain('本事项尚未报送，无需更正');
    const tooEarly = sha(tinyPdf('too early'));
    expect(existsSync(path.join(h.config.ATTACHMENTS_DIR, tooEarly.slice(0, 2), tooEarly))).toBe(false);

    expect((await postLink(h, link, { text: '信息学院第三季度汇报' })).statusCode).toBe(303);
    expect((await openLink(h, link)).res.body).toContain('提交更正申请');
    // Bad requests: no reason, a field the form does not have.
    expect((await ask({ text: '改后的汇报', reason: ' ' })).statusCode).toBe(400);
    const foreign = await ask({ text: '改后的汇报', reason: '补附件', unitId: 'b-mech-t1' });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.body).toContain('无关字段“unitId”');

    const minutes = tinyPdf('minutes');
    const asked = await ask({ text: '信息学院第三季度汇报（附支部会议记录）', reason: '漏传了支部会议记录' }, [
      minutes,
    ]);
    expect(asked.statusCode).toBe(303);
    expect(asked.headers.location).toBe(`/s/${link}#correction-request`);
    const [request] = await h.ledger.events({ campaignId: 'mini', kinds: ['correction-requested'] });
    expect(request).toMatchObject({
      id: 'mini/quarterly-report/2010-Q3/b-info-t1:correction-request:1',
      unitId: 'b-info-t1',
      reason: '漏传了支部会议记录',
      actor: expect.stringMatching(/（邮件链接）$/),
      data: { request: 1, text: '信息学院第三季度汇报（附支部会议记录）', attachments: [`sha256:${sha(minutes)}`] },
    });
    // The link says it is waiting for the office, and serves the file it sent.
    const waiting = flat((await openLink(h, link)).res.body);
    expect(waiting).toMatch(/已于 2010年9月\d+日（星期.）\d\d:\d\d（北京时间） 申请更正/);
    expect(waiting).toContain('重新提交更正申请');
    const file = await h.app.inject({ method: 'GET', url: `/s/${link}/a/${sha(minutes)}` });
    expect(file.rawPayload.equals(minutes)).toBe(true);

    // The office is mailed, with the form to decide it.
    const mail = await eventually('the request mail', () =>
      h.smtp.received.find((r) => /【更正申请】/.test(r.mail.subject ?? '')),
    );
    expect(mail.envelopeTo).toEqual(['office@example.org']);
    expect(mail.mail.text).toContain('说明：漏传了支部会议记录');
    expect(mail.mail.text).toContain(`${h.config.BASE_URL}${base}/correct`);

    // On the dashboard until decided: the office's entry opens the form; a committee sees its own units' only.
    const dashboard = flat((await get('/console/mini')).body);
    expect(dashboard).toContain('待处理的更正申请');
    expect(dashboard).toMatch(
      new RegExp(`<a href="${base}/correct" >[^<]*季度工作汇报 2010-Q3</a > · [^<]*说明：漏传了支部会议记录`),
    );
    const committee = async (email: string) => {
      const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn(email)))!;
      return flat((await get('/console/mini', { cookie: `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}` })).body);
    };
    expect(await committee('zhao.info@example.org')).toContain(`<a href="${base}" >`);
    expect(await committee('li.mech@example.org')).not.toContain('待处理的更正申请');

    // The office's form starts from the request: its text, its file ticked, the request it answers.
    const form = await get(`${base}/correct`);
    expect(form.body).toContain('信息学院第三季度汇报（附支部会议记录）</textarea>');
    expect(form.body).toContain(`name="keep" value="sha256:${sha(minutes)}" checked`);
    expect(form.body).toContain('name="answers" value="1"');
    expect(flat(form.body)).toContain('本单位申请更正');
    // The reason is the office's own to write: the box starts empty.
    expect(form.body).toContain('<textarea id="reason" name="reason" required maxlength="2000"></textarea>');
    const done = await formPost(
      h,
      `${base}/correct`,
      {
        text: '信息学院第三季度汇报（附支部会议记录）',
        keep: [`sha256:${sha(minutes)}`],
        answers: '1',
        reason: '按支部申请更正',
        confirm: 'yes',
      },
      office,
    );
    expect(done.statusCode).toBe(303);
    const report = currentReport(
      await h.ledger.events({ campaignId: 'mini', unitId: 'b-info-t1', kinds: [...REPORT_KINDS] }),
    )!;
    expect(report.corrections.map((c) => c.data)).toEqual([
      {
        correction: 1,
        request: 1,
        text: '信息学院第三季度汇报（附支部会议记录）',
        attachments: [`sha256:${sha(minutes)}`],
      },
    ]);
    expect(report.pendingRequest).toBeUndefined();
    // Settled: the link shows the report as corrected and no longer the request.
    const settled = flat((await openLink(h, link)).res.body);
    expect(settled).toContain('活动办公室 api-token');
    expect(settled).not.toContain('申请更正（');
    expect(settled).toContain('提交更正申请');
    expect(flat((await get(base)).body)).toContain('申请更正 · 经办');
    expect((await get('/console/mini')).body).not.toContain('待处理的更正申请');

    // Asked again; the office declines, saying why: the unit is told, on its link and by mail.
    const thirdDraft = tinyPdf('third draft');
    expect((await ask({ text: '信息学院第三季度汇报（第三稿）', reason: '想换个说法' }, [thirdDraft])).statusCode).toBe(
      303,
    );
    const again = await get(`${base}/correct`);
    expect(again.body).toContain('name="answers" value="2"');
    expect(again.body).toContain('不予更正');
    const decline = (fields: Record<string, string>) =>
      formPost(h, `${base}/correct/decline`, fields, office, `${base}/correct`);
    expect((await decline({ answers: '2', reason: '措辞调整不需更正' })).statusCode).toBe(400); // not confirmed
    expect((await decline({ answers: '2', reason: '措辞调整不需更正', confirm: 'yes' })).statusCode).toBe(303);
    const [declined] = await h.ledger.events({ campaignId: 'mini', kinds: ['correction-declined'] });
    expect(declined).toMatchObject({
      id: 'mini/quarterly-report/2010-Q3/b-info-t1:correction-declined:2',
      actor: 'api-token',
      reason: '措辞调整不需更正',
      data: { request: 2 },
    });
    // Decided once: declining it again is refused, and the dashboard no longer lists it.
    const twice = await decline({ answers: '2', reason: '再次', confirm: 'yes' });
    expect(twice.statusCode).toBe(409);
    expect((await get('/console/mini')).body).not.toContain('待处理的更正申请');
    const told = await eventually('the decline mail', () =>
      h.smtp.received.find((r) => /【更正申请答复】/.test(r.mail.subject ?? '')),
    );
    expect(told.mail.text).toContain('理由：措辞调整不需更正');
    const answered = flat((await openLink(h, link)).res.body);
    expect(answered).toMatch(
      /活动办公室 api-token 于 2010年9月\d+日（星期.）\d\d:\d\d（北京时间） 答复：不予更正，理由：措辞调整不需更正/,
    );
    // The file the unit sent with it is still its own, through its link.
    const kept = await h.app.inject({ method: 'GET', url: `/s/${link}/a/${sha(thirdDraft)}` });
    expect(kept.statusCode).toBe(200);
    expect(kept.rawPayload.equals(thirdDraft)).toBe(true);
    // The report stands as the office corrected it.
    expect(answered).toContain('信息学院第三季度汇报（附支部会议记录）');
    expect(answered).not.toContain('第三稿');
  });

  it('lets a leader correct their own review comment through the review link, and the office one in the console', async () => {
    const review = signLink(h.config.LINK_SECRET, { ...Q3, purpose: 'review' });
    // The review's ledger rows are the reviewer's (c-mech), under the cycle `<cycle>:<unit reviewed>`.
    const reviewBase = `/console/mini/o/quarterly-report.review/${encodeURIComponent('2010-Q3:b-mech-t1')}/c-mech`;
    const corrections = () => h.ledger.events({ campaignId: 'mini', kinds: ['review-comment-corrected'] });
    await eventually('the review open', () =>
      h.campaigns.deadlineStatus('mini', 'quarterly-report.review', '2010-Q3', 'b-mech-t1').catch(() => undefined),
    );
    const correct = async (fields: Record<string, string>, files: Buffer[] = []) => {
      const { csrf, cookie } = await openLink(h, review);
      const body = multipart(
        { _csrf: csrf ?? '', ...fields },
        files.map((content) => ({ name: 'attachments', filename: '点评.pdf', type: 'application/pdf', content })),
      );
      return h.app.inject({
        method: 'POST',
        url: `/s/${review}/correction`,
        payload: body.payload,
        headers: { ...body.headers, cookie },
      });
    };
    // Nothing commented yet: nothing to correct.
    const early = await correct({ text: '改后的点评', reason: '改' });
    expect(early.statusCode).toBe(409);
    expect(early.body).toContain('本事项尚未点评');

    const first = '汇报扎实，望继续保持。措施不够具体。';
    expect((await postLink(h, review, { text: first })).statusCode).toBe(303);
    const before = await h.ledger.deadlineRows({ campaignId: 'mini', unitId: 'c-mech', cycleKey: '2010-Q3:b-mech-t1' });
    const page = flat((await openLink(h, review)).res.body);
    expect(page).toContain('更正点评意见');
    // A comment's receipt says it in a comment's words.
    expect(page).toContain('已收到，按时点评');
    expect(page).toContain(`${first}</textarea>`);
    const receiptNo = /class="receipt-no">(R[0-9A-F-]+)</.exec(page)![1]!;

    // Bad requests change nothing: no reason, the same words, a file (a comment is words only).
    const noReason = await correct({ text: '改后的点评', reason: ' ' });
    expect(noReason.statusCode).toBe(400);
    expect(noReason.body).toContain('请说明原因');
    const same = await correct({ text: first, reason: '核对' });
    expect(same.statusCode).toBe(400);
    expect(same.body).toContain('内容未改变');
    const withFile = await correct({ text: '改后的点评', reason: '附件' }, [tinyPdf('comment')]);
    expect(withFile.statusCode).toBe(400);
    expect(withFile.body).toContain('无关字段“attachments”');
    expect(await corrections()).toEqual([]);

    const second = '汇报扎实，望继续保持；整改措施还需细化到人。';
    const done = await correct({ text: second, reason: '补充意见，原措辞不准确' });
    expect(done.statusCode).toBe(303);
    expect(done.headers.location).toBe(`/s/${review}#comment`);
    const [c1] = await corrections();
    expect(c1).toMatchObject({
      // Named like the review's own events: after the review's workflow, not its ledger keys.
      id: 'mini/quarterly-report.review/2010-Q3/b-mech-t1:comment-correction:1',
      unitId: 'c-mech',
      committeeId: 'c-mech',
      obligationKey: 'quarterly-report.review',
      cycleKey: '2010-Q3:b-mech-t1',
      actor: expect.stringMatching(/li\.mech@example\.org.*（邮件链接）$/),
      reason: '补充意见，原措辞不准确',
      data: { correction: 1, text: second, attachments: [], corrector: 'reviewer', reviewedUnit: 'b-mech-t1' },
    });
    // The original stays, and so do when it came and how late.
    const originals = await h.ledger.events({ campaignId: 'mini', kinds: ['review-comment'], unitId: 'c-mech' });
    expect(originals.map((e) => e.data?.text)).toEqual([first]);
    expect(
      await h.ledger.deadlineRows({ campaignId: 'mini', unitId: 'c-mech', cycleKey: '2010-Q3:b-mech-t1' }),
    ).toEqual(before);
    const corrected = flat((await openLink(h, review)).res.body);
    expect(corrected).toContain(second);
    expect(corrected).not.toContain('措施不够具体');
    expect(corrected).toMatch(
      /点评人 [^<]*li\.mech@example\.org[^<]* 于 2010年9月\d+日（星期.）\d\d:\d\d（北京时间） 更正，理由：补充意见，原措辞不准确/,
    );
    expect(corrected).toContain(receiptNo);

    // The reviewer is mailed: who, when, why, the receipt as it was, and the link to the comment.
    const mail = await eventually('the comment correction mail', () =>
      h.smtp.received.find((r) => /【点评更正】/.test(r.mail.subject ?? '')),
    );
    expect(mail.envelopeTo).toEqual(expect.arrayContaining(['li.mech@example.org']));
    expect(mail.mail.subject).toBe(
      `【点评更正】机械工程学院党委对机械学院教工第一党支部的「2010年第三季度工作汇报点评」已更正（回执号${receiptNo}）`,
    );
    expect(mail.mail.text).not.toContain('undefined');
    expect(mail.mail.text).toContain('理由：补充意见，原措辞不准确');
    expect(mail.mail.text).toContain('点评情况：按时点评');
    expect(mail.mail.text).toMatch(/更正时间：2010年9月\d+日（星期.）\d\d:\d\d/);
    expect(mail.mail.text).toContain(`${h.config.BASE_URL}/s/${review}`);

    // The office: the review's history names the correction, and its form corrects the words only.
    const history = flat((await get(reviewBase)).body);
    expect(history).toContain('更正点评 · 经办');
    expect(history).toContain(`href="${reviewBase}/correct"`);
    expect(history).toContain('更正点评…');
    const form = await get(`${reviewBase}/correct`);
    expect(form.statusCode).toBe(200);
    expect(form.body).toContain(`${second}</textarea>`);
    expect(form.body).toContain('更正后的点评意见');
    expect(form.body).not.toContain('type="file"');
    const post = (fields: Record<string, string>, files: Buffer[] = []) =>
      formPost(
        h,
        `${reviewBase}/correct`,
        fields,
        office,
        undefined,
        files.map((content) => ({ name: 'attachments', filename: '点评.pdf', type: 'application/pdf', content })),
      );
    const filed = await post({ text: '办公室更正的点评', reason: '按李书记电话要求', confirm: 'yes' }, [tinyPdf('x')]);
    expect(filed.statusCode).toBe(400);
    expect(filed.body).toContain('点评不附文件');
    // The ledger itself takes no file for a comment (the command line's --attach).
    await expect(
      recordCorrection(h.ledger, {
        campaignId: 'mini',
        obligationKey: 'quarterly-report.review',
        cycleKey: '2010-Q3:b-mech-t1',
        unitId: 'c-mech',
        at: '2010-09-21T02:00:00.000Z',
        by: 'office@example.org',
        reason: '附件',
        text: '改',
        attachments: [`sha256:${'ab'.repeat(32)}`],
      }),
    ).rejects.toMatchObject({ code: 'COMMENT_HAS_NO_FILES' });
    const third = '汇报扎实，望继续保持；整改措施还需细化到人、到时间。';
    const byOffice = await post({ text: third, reason: '按李书记电话要求补充', confirm: 'yes' });
    expect(byOffice.statusCode).toBe(303);
    const c2 = (await corrections()).find((e) => e.data?.correction === 2);
    expect(c2).toMatchObject({
      id: 'mini/quarterly-report.review/2010-Q3/b-mech-t1:comment-correction:2',
      actor: 'api-token',
      data: { correction: 2, text: third, attachments: [], reviewedUnit: 'b-mech-t1' },
    });
    expect(c2!.data?.corrector).toBeUndefined();
    expect(flat((await openLink(h, review)).res.body)).toMatch(
      /活动办公室 api-token 于 2010年9月\d+日（星期.）\d\d:\d\d（北京时间） 更正，理由：按李书记电话要求补充/,
    );
    await eventually('the office correction mail', () =>
      h.smtp.received.find(
        (r) => /【点评更正】/.test(r.mail.subject ?? '') && /经办：api-token/.test(r.mail.text ?? ''),
      ),
    );
    // From the command line, by the review's keys: recorded as the third, and the leader is told too.
    const cli = await runCli(
      [
        ...['--lang', 'zh', 'correct', 'mini', 'quarterly-report.review', '2010-Q3:b-mech-t1', 'c-mech'],
        ...['--by', '组织部', '--reason', '按党委会意见', '--text', `${third}（定稿）`],
      ],
      {
        TEMPORAL_ADDRESS: h.config.temporal.address,
        LEDGER_URL: h.config.LEDGER_URL,
        MAIL_URL: h.config.MAIL_URL,
        LINK_SECRET: h.config.LINK_SECRET,
        BASE_URL: h.config.BASE_URL,
      },
    );
    expect(cli.stderr).toBe('');
    expect(cli.stdout).toMatch(/^已更正（第 3 次）/m);
    expect(cli.stdout).toMatch(/^已邮件告知 li\.mech@example\.org$/m);
    const byCli = h.smtp.received.find(
      (r) => /【点评更正】/.test(r.mail.subject ?? '') && /经办：组织部/.test(r.mail.text ?? ''),
    );
    expect(byCli?.envelopeTo).toEqual(['li.mech@example.org']);
    expect(byCli?.mail.text).toContain('按党委会意见');

    // The reviewer's page in the console: the receipt number the leader was given, and both corrections.
    const unit = flat((await get('/console/mini/u/c-mech')).body);
    expect(unit).toContain(receiptNo);
    expect(unit).toContain('点评人更正');
    expect(unit).toContain('办公室更正 · 经办 api-token · 理由：按李书记电话要求补充');
  });

  it('extends and waives a leader review from its own page in the console', async () => {
    // b-info-t1 reported above: its review, owed by c-info, is open. Its ledger rows are c-info's.
    const base = `/console/mini/o/quarterly-report.review/${encodeURIComponent('2010-Q3:b-info-t1')}/c-info`;
    const review = () => h.campaigns.deadlineStatus('mini', 'quarterly-report.review', '2010-Q3', 'b-info-t1');
    await eventually('the review of b-info-t1 open', () => review().catch(() => undefined));
    const page = flat((await get(base)).body);
    // The engine's view of it (asked by the review's own workflow): its next step, and the office's actions.
    expect(page).toMatch(/id="next-step"> [^—]/);
    expect(page).toContain(`href="${base}/extend"`);
    expect(page).toContain(`href="${base}/waive"`);
    expect(page).not.toContain(`href="${base}/resend"`);
    expect((await get(`${base}/resend`)).statusCode).toBe(400);
    const form = await get(`${base}/extend`);
    expect(form.statusCode).toBe(200);
    expect(form.body).not.toContain('name="scope"');

    const extend = (fields: Record<string, string>) =>
      formPost(
        h,
        `${base}/extend`,
        { newDueAt: '2010-12-10T23:59', reason: '李书记出差', confirm: 'yes', ...fields },
        office,
      );
    const wide = await extend({ scope: 'committee' });
    expect(wide.statusCode).toBe(400);
    expect(wide.body).toContain('领导点评只能逐个延期或免报');
    expect((await extend({})).statusCode).toBe(303);
    expect(Date.parse((await review()).dueAt)).toBe(Date.parse('2010-12-10T23:59:00+08:00'));
    const [extension] = await eventually('the extension recorded', async () => {
      const found = await h.ledger.events({ campaignId: 'mini', kinds: ['extension'], unitId: 'c-info' });
      return found.length > 0 ? found : undefined;
    });
    expect(extension).toMatchObject({
      obligationKey: 'quarterly-report.review',
      cycleKey: '2010-Q3:b-info-t1',
      actor: 'api-token',
      reason: '李书记出差',
    });

    const waived = await formPost(h, `${base}/waive`, { reason: '支部已撤并', confirm: 'yes' }, office);
    expect(waived.statusCode).toBe(303);
    expect(await review()).toMatchObject({ state: 'closed', outcome: 'waived' });
  });
});

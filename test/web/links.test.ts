/**
 * The signed links through fastify.inject against the real engine (dev server, worker process)
 * and the real ledger: the mail's link opens the submission page; a submission with a PDF
 * closes the deadline in Temporal and the ledger and mails a receipt; a double post gets the
 * same receipt and records nothing twice, and another submission after it is refused with its
 * files not kept; bad input changes nothing; a tampered link is a Chinese 403; the leader's
 * review link shows the report and its comment closes the review.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { WorkflowNotFoundError } from '@temporalio/client';
import { refHash } from '../../web/attachments';
import { signLink, verifyLink, type LinkTarget } from '../../web/links';
import {
  eventually,
  linkIn,
  multipart,
  openLink,
  postLink,
  Q3,
  startWebHarness,
  storedZip,
  tinyPdf,
  type LinkForm,
  type Upload,
  type WebHarness,
} from '../helpers/web';

describe('signed links on the dev server', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const open = (token: string) => openLink(h, token);
  const post = (token: string, fields: Record<string, string>, files?: Upload[], form?: LinkForm) =>
    postLink(h, token, fields, files, form);
  const events = (unitId: string, kind: 'submission' | 'review-comment') =>
    h.ledger
      .events({ campaignId: 'mini', kinds: [kind] })
      .then((l) => l.filter((e) => (kind === 'submission' ? e.unitId : e.data?.reviewedUnit) === unitId));

  it('opens the mailed link, takes a submission with a PDF once, and mails the receipt', async () => {
    const url = await eventually('notice to 刘洋', () => linkIn(h.smtp, 'liu.yang@example.org', /季度工作汇报/));
    expect(url.startsWith(`${h.config.BASE_URL}/s/`)).toBe(true);
    const token = url.split('/s/')[1]!;
    expect(verifyLink(h.config.LINK_SECRET, token)).toEqual({
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      unitId: 'b-mech-t1',
      purpose: 'submit',
    });

    const { res } = await open(token);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(res.body).toContain('季度工作汇报');
    expect(res.body).toContain('上级党委负责同志进行点评'); // the seed sentence
    expect(res.body).toMatch(/2010年9月25日（星期六）/); // due in China time with the weekday
    expect(res.body).toContain('报送通知'); // the notice, among the reminders sent
    expect(res.body).toMatch(/state-(green|blue)/);

    // Bad input first: each refused with a Chinese page, nothing recorded.
    const empty = await post(token, { text: '   ' });
    expect(empty.statusCode).toBe(400);
    expect(empty.body).toContain('内容不能为空');
    const notPdf = await post(token, { text: '第三季度汇报' }, [
      {
        name: 'attachments',
        filename: 'report.pdf',
        type: 'application/pdf',
        content: Buffer.from('plain text, not a PDF'),
      },
    ]);
    expect(notPdf.statusCode).toBe(415);
    expect(notPdf.body).toContain('不是 PDF、Word、Excel 或图片');
    const big = await post(token, { text: '第三季度汇报' }, [
      {
        name: 'attachments',
        filename: 'big.pdf',
        type: 'application/pdf',
        content: Buffer.alloc(21 * 1024 * 1024, 0x25),
      },
    ]);
    expect(big.statusCode).toBe(413);
    expect(big.body).toContain('20 MB');
    const noCsrf = await h.app.inject({ method: 'POST', url: `/s/${token}`, ...multipart({ text: 'x' }) });
    expect(noCsrf.statusCode).toBe(403);
    expect(await events('b-mech-t1', 'submission')).toEqual([]);
    expect(existsSync(path.join(h.config.ATTACHMENTS_DIR))).toBe(false);

    // The submission, twice (a double click): one receipt, one ledger row.
    const pdf = tinyPdf('Q3');
    const files = [{ name: 'attachments', filename: '三季度汇报.pdf', type: 'application/pdf', content: pdf }];
    const form = await open(token);
    const [a, b] = await Promise.all([
      post(token, { text: '第三季度汇报' }, files, form),
      post(token, { text: '第三季度汇报' }, files, form),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([303, 303]);
    const receiptPage = (await open(token)).res.body;
    expect(receiptPage).toContain('报送回执');
    expect(receiptPage).toContain('按时报送');
    const number = /class="receipt-no">([^<]+)</.exec(receiptPage)?.[1];
    expect(number).toMatch(/^R[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}$/);
    const again = await post(token, { text: '第三季度汇报' }, files, form); // the browser's retry
    expect(again.statusCode).toBe(303);
    expect((await open(token)).res.body).toContain(number!);
    // The same words with another file is another submission: refused, the first one stands.
    const otherFile = [{ ...files[0]!, content: tinyPdf('Q3, second thoughts') }];
    const changed = await post(token, { text: '第三季度汇报' }, otherFile, form);
    expect(changed.statusCode).toBe(409);
    expect(changed.body).toContain('已报送过');
    // In Chinese, with the answer's instant in China time and its receipt number, not the engine's words.
    expect(changed.body).toMatch(/本事项已于2010年9月\d+日（星期.）\d\d:\d\d（北京时间）报送/);
    expect(changed.body).toContain(number!);
    expect(changed.body).toContain('如需更正，请联系活动办公室');
    expect(changed.body).not.toMatch(/already submitted|T\d\d:\d\d/);
    // Its file was not kept: nothing would ever name it.
    const otherSha = createHash('sha256').update(otherFile[0]!.content).digest('hex');
    expect(existsSync(path.join(h.config.ATTACHMENTS_DIR, otherSha.slice(0, 2), otherSha))).toBe(false);

    const sha = createHash('sha256').update(pdf).digest('hex');
    const recorded = await events('b-mech-t1', 'submission');
    expect(recorded).toHaveLength(1);
    expect(recorded[0]!.data?.attachments).toEqual([`sha256:${sha}`]);
    expect(existsSync(path.join(h.config.ATTACHMENTS_DIR, sha.slice(0, 2), sha))).toBe(true);
    const status = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1');
    expect(status.state).toBe('closed');
    expect(status.outcome).toBe('on-time');

    const receiptMail = await eventually('receipt mail', () =>
      h.smtp.received.find(
        (r) => /报送回执/.test(r.mail.subject ?? '') && r.envelopeTo.includes('liu.yang@example.org'),
      ),
    );
    expect(receiptMail.mail.text).toContain(number!);
    expect(receiptMail.mail.subject).toBe(
      `【报送回执】机械学院教工第一党支部「2010年第三季度工作汇报」（回执号${number!}）`,
    );
    expect(h.smtp.received.filter((r) => /报送回执/.test(r.mail.subject ?? ''))).toHaveLength(1);

    // The attachment, through the link only.
    const file = await h.app.inject({ method: 'GET', url: `/s/${token}/a/${sha}` });
    expect(file.statusCode).toBe(200);
    expect(file.rawPayload.equals(pdf)).toBe(true);
    const other = signLink(h.config.LINK_SECRET, { ...verifyLink(h.config.LINK_SECRET, token)!, unitId: 'b-info-t1' });
    expect((await h.app.inject({ method: 'GET', url: `/s/${other}/a/${sha}` })).statusCode).toBe(403);
  });

  it('refuses six attachments, and files whose content belies their name, recording nothing', async () => {
    const token = signLink(h.config.LINK_SECRET, { ...Q3, unitId: 'b-mech-s1' });
    const pdfs = Array.from({ length: 6 }, (_, i) => ({
      name: 'attachments',
      filename: `附件${i + 1}.pdf`,
      type: 'application/pdf',
      content: tinyPdf(`six-${i}`),
    }));
    const six = await post(token, { text: '第三季度汇报' }, pdfs);
    expect(six.statusCode).toBe(413);
    expect(six.body).toContain('附件过多');
    expect(six.body).toContain('每次最多 5 个附件');
    // A Windows program named .pdf, and a plain zip named .xlsx (no Excel workbook inside).
    const xlsx = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
    const disguised = [
      { filename: '汇报.pdf', type: 'application/pdf', content: Buffer.concat([Buffer.from('MZ'), Buffer.alloc(256)]) },
      { filename: '统计.xlsx', type: xlsx, content: storedZip({ 'notes.txt': '不是表格' }) },
    ];
    for (const f of disguised) {
      const res = await post(token, { text: '第三季度汇报' }, [{ name: 'attachments', ...f }]);
      expect({ file: f.filename, status: res.statusCode }).toEqual({ file: f.filename, status: 415 });
      expect(res.body).toContain(`附件“${f.filename}”的内容不是 PDF、Word、Excel 或图片`);
    }
    expect(await events('b-mech-s1', 'submission')).toEqual([]);
    for (const f of [...pdfs, ...disguised]) {
      const sha = createHash('sha256').update(f.content).digest('hex');
      expect(existsSync(path.join(h.config.ATTACHMENTS_DIR, sha.slice(0, 2), sha))).toBe(false);
    }
    const status = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-s1');
    expect(status.state).not.toBe('closed');
  });

  it("refuses a unit's genuine link against another unit's, cycle's or obligation's resources", async () => {
    const [report] = await events('b-mech-t1', 'submission');
    const sha = refHash(String((report!.data?.attachments as string[])[0]))!;
    const own = signLink(h.config.LINK_SECRET, { ...Q3, unitId: 'b-mech-t1' });
    expect((await h.app.inject({ method: 'GET', url: `/s/${own}/a/${sha}` })).statusCode).toBe(200);
    // Genuine tokens, each for something else than the file's deadline.
    const others: LinkTarget[] = [
      { ...Q3, unitId: 'b-mech-s1' }, // another unit of the same committee
      { ...Q3, unitId: 'b-info-s1' }, // another committee's unit
      { ...Q3, unitId: 'b-mech-t1', cycleKey: '2010-Q4' }, // another cycle
      { ...Q3, unitId: 'b-mech-t1', obligationKey: 'branch-plan', cycleKey: 'once' }, // another obligation
      { ...Q3, unitId: 'b-mech-s1', purpose: 'review' }, // a review link of another unit
    ];
    for (const t of others) {
      const res = await h.app.inject({ method: 'GET', url: `/s/${signLink(h.config.LINK_SECRET, t)}/a/${sha}` });
      expect({ t, status: res.statusCode }).toEqual({ t, status: 403 });
      expect(res.rawPayload.includes(Buffer.from('%PDF'))).toBe(false);
    }
    // Unit X's signature on unit Y's names (the payload of Y's token, the MAC of X's): refused on every route.
    const [, payloadY] = signLink(h.config.LINK_SECRET, { ...Q3, unitId: 'b-info-s1' }).split('.');
    const [, , macX] = signLink(h.config.LINK_SECRET, { ...Q3, unitId: 'b-mech-s1' }).split('.');
    const spliced = `v1.${payloadY}.${macX}`;
    const form = await open(signLink(h.config.LINK_SECRET, { ...Q3, unitId: 'b-mech-s1' }));
    const tries = [
      await h.app.inject({ method: 'GET', url: `/s/${spliced}` }),
      await post(spliced, { text: '冒名报送' }, [], form),
      await h.app.inject({ method: 'GET', url: `/s/${spliced}/a/${sha}` }),
    ];
    expect(tries.map((r) => r.statusCode)).toEqual([403, 403, 403]);
    expect(tries[0]!.body).toContain('链接无效');
    // X's genuine form naming Y's deadline in its fields: refused, not quietly submitted for X.
    const named = await post(
      signLink(h.config.LINK_SECRET, { ...Q3, unitId: 'b-mech-s1' }),
      { text: '冒名报送', unitId: 'b-info-s1', cycleKey: '2010-Q4', obligationKey: 'branch-plan' },
      [],
      form,
    );
    expect(named.statusCode).toBe(400);
    expect(named.body).toContain('unitId');
    for (const unit of ['b-mech-s1', 'b-info-s1']) expect(await events(unit, 'submission')).toEqual([]);
  });

  it('answers a tampered link with a Chinese 403 and changes nothing', async () => {
    const token = signLink(h.config.LINK_SECRET, {
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      unitId: 'b-mech-s1',
      purpose: 'submit',
    });
    const flipped = token.slice(0, 10) + (token[10] === 'A' ? 'B' : 'A') + token.slice(11);
    const res = await h.app.inject({ method: 'GET', url: `/s/${flipped}` });
    expect(res.statusCode).toBe(403);
    expect(res.body).toContain('链接无效');
    const forged = await post(flipped, { text: 'forged' });
    expect(forged.statusCode).toBe(403);
    expect(await events('b-mech-s1', 'submission')).toEqual([]);
    // The genuine link of that unit still opens its form.
    expect((await open(token)).res.body).toContain('提交报送');
  });

  it("shows the leader the unit's report, and the comment closes the review", async () => {
    const url = await eventually('review mail to 李书记', () => linkIn(h.smtp, 'li.mech@example.org', /领导点评/));
    const token = url.split('/s/')[1]!;
    expect(verifyLink(h.config.LINK_SECRET, token)).toMatchObject({ unitId: 'b-mech-t1', purpose: 'review' });
    const page = (await open(token)).res.body;
    expect(page).toContain('单位报送内容');
    expect(page).toContain('第三季度汇报');
    expect(page).toContain('三季度汇报.pdf');
    const res = await post(token, { text: '汇报扎实，望继续保持。' });
    expect(res.statusCode).toBe(303);
    expect((await open(token)).res.body).toContain('点评回执');
    expect(await events('b-mech-t1', 'review-comment')).toHaveLength(1);
    const review = h.campaigns.client.workflow.getHandle('mini/quarterly-report.review/2010-Q3/b-mech-t1');
    await eventually('review closed', async () => {
      const d = await review.describe().catch((e: unknown) => {
        if (e instanceof WorkflowNotFoundError) return undefined;
        throw e;
      });
      return d?.status.name === 'COMPLETED' ? true : undefined;
    });
  });

  it('refuses a submission after a waiver with a Chinese page, recording nothing', async () => {
    await h.campaigns.waive('mini', 'quarterly-report', '2010-Q3', 'b-info-t1', { by: 'office', reason: '支部撤并' });
    const token = signLink(h.config.LINK_SECRET, {
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      unitId: 'b-info-t1',
      purpose: 'submit',
    });
    const page = (await open(token)).res.body;
    expect(page).toContain('已免报');
    expect(page).not.toContain('提交报送');
    const { cookie, csrf } = await open(
      signLink(h.config.LINK_SECRET, {
        campaignId: 'mini',
        obligationKey: 'quarterly-report',
        cycleKey: '2010-Q3',
        unitId: 'b-info-s1',
        purpose: 'submit',
      }),
    );
    // With a file: refused before the file is kept.
    const pdf = tinyPdf('after the waiver');
    const files = [{ name: 'attachments', filename: '迟到.pdf', type: 'application/pdf', content: pdf }];
    const res = await post(token, { text: '迟到的汇报' }, files, { cookie, csrf });
    expect(res.statusCode).toBe(409);
    expect(res.body).toContain('该事项已免报');
    expect(await events('b-info-t1', 'submission')).toEqual([]);
    const sha = createHash('sha256').update(pdf).digest('hex');
    expect(existsSync(path.join(h.config.ATTACHMENTS_DIR, sha.slice(0, 2), sha))).toBe(false);
  });

  it('makes a client that keeps failing tokens wait, while genuine links still open', async () => {
    const codes: number[] = [];
    for (let i = 0; i < 22; i++) {
      const res = await h.app.inject({ method: 'GET', url: `/s/v1.forged${i}.x`, remoteAddress: '10.9.9.9' });
      codes.push(res.statusCode);
    }
    expect(codes.slice(0, 20).every((c) => c === 403)).toBe(true);
    expect(codes.slice(20)).toEqual([429, 429]);
    const genuine = signLink(h.config.LINK_SECRET, {
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      unitId: 'b-mech-s1',
      purpose: 'submit',
    });
    const ok = await h.app.inject({ method: 'GET', url: `/s/${genuine}`, remoteAddress: '10.9.9.9' });
    expect(ok.statusCode).toBe(200);
  });

  it('answers an old-style link with a sign-in page, and an unknown campaign with a Chinese 404', async () => {
    const old = await h.app.inject({ method: 'GET', url: '/submit/mini/quarterly-report/2010-Q3/b-mech-s1' });
    expect(old.statusCode).toBe(200);
    expect(old.body).toContain('旧式链接');
    const token = signLink(h.config.LINK_SECRET, {
      campaignId: 'nope',
      obligationKey: 'x',
      cycleKey: 'y',
      unitId: 'z',
      purpose: 'submit',
    });
    const res = await h.app.inject({ method: 'GET', url: `/s/${token}` });
    expect(res.statusCode).toBe(404);
    expect(res.body).toContain('没有这项活动');
  });

  it('takes one of two different reports posted to one deadline at once, and keeps only its files', async () => {
    const target: LinkTarget = { ...Q3, unitId: 'b-info-s1' };
    const token = signLink(h.config.LINK_SECRET, target);
    const form = await open(token);
    const pdfs = [tinyPdf('Q3, from the secretary'), tinyPdf('Q3, from the liaison')];
    const replies = await Promise.all(
      pdfs.map((content, i) =>
        post(
          token,
          { text: `第三季度汇报（${i + 1}）` },
          [{ name: 'attachments', filename: `汇报${i + 1}.pdf`, type: 'application/pdf', content }],
          form,
        ),
      ),
    );
    expect(replies.map((r) => r.statusCode).sort()).toEqual([303, 409]);
    const taken = replies.findIndex((r) => r.statusCode === 303);
    const recorded = await events('b-info-s1', 'submission');
    expect(recorded).toHaveLength(1);
    const shas = pdfs.map((p) => createHash('sha256').update(p).digest('hex'));
    expect(recorded[0]!.data?.attachments).toEqual([`sha256:${shas[taken]}`]);
    const kept = shas.map((sha) => existsSync(path.join(h.config.ATTACHMENTS_DIR, sha.slice(0, 2), sha)));
    expect(kept).toEqual(shas.map((_, i) => i === taken));
  });

  it('takes a submission whose receipt the mail server defers, and has the worker ask it again', async () => {
    // Last, as the tests above look at this unit: 陈静's mailbox (its one address) is full when she submits.
    h.smtp.defer.add('chen.jing@example.org');
    const token = signLink(h.config.LINK_SECRET, { ...Q3, unitId: 'b-mech-s1' });
    const posted = await post(token, { text: '第三季度汇报（学生支部）' });
    expect(posted.statusCode).toBe(303);
    expect((await open(token)).res.body).toContain('报送回执');
    expect(await events('b-mech-s1', 'submission')).toHaveLength(1);
    const key = 'mini/b-mech-s1/quarterly-report/2010-Q3/receipt';
    expect(await h.ledger.get(`msg:${key}:sent`)).toMatchObject({
      recipients: [],
      data: { deferred: ['chen.jing@example.org'] },
    });
    // The worker on TASK_QUEUE runs its redelivery, which finds her mailbox still full.
    const redelivery = h.campaigns.client.workflow.getHandle(`redelivery/${key}`);
    const tried = await eventually('a redelivery attempt', async () => {
      const d = await redelivery.describe().catch(() => undefined);
      return d?.raw.pendingActivities?.find((a) => a.lastFailure)?.lastFailure?.message ?? undefined;
    });
    expect(tried).toMatch(/chen\.jing@example\.org still deferred: .*451/);
    await redelivery.terminate('the test ends here: its retries are minutes apart');
    h.smtp.defer.clear();
  });
});

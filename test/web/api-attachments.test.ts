/**
 * A report's files through the JSON API, on the dev server with the real ledger and attachment
 * store: a program uploads each file alone (the body is the file, recognised by its content),
 * names the refs it got in the submission, and reads the report and its files back, in the
 * caller's scope. Refused, naming the field and keeping nothing: a file that is not what it says,
 * a form or JSON in place of a file, a file too large, an upload once the deadline is answered,
 * a ref never uploaded or listed twice, another committee's unit, a file of another report, a
 * file uploaded for another deadline, more than thirty uploads for one deadline.
 */
import { createHash } from 'node:crypto';
import { MAX_UPLOADS_PER_DEADLINE } from '../../web/attachments';
import { SESSION_COOKIE } from '../../web/context';
import { eventually, startWebHarness, TEST_API_TOKEN, tinyPdf, type WebHarness } from '../helpers/web';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const REPORT = '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3';

describe('a report’s files through the API', () => {
  let h: WebHarness;
  let otherCommittee: Record<string, string>;
  beforeAll(async () => {
    h = await startWebHarness();
    await eventually('the Q3 report of b-mech-t1 open', () =>
      h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1').catch(() => undefined),
    );
    const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn('zhao.info@example.org')))!;
    otherCommittee = { cookie: `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}` };
  });
  afterAll(async () => {
    await h?.stop();
  });

  const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
  const upload = (
    unit: string,
    name: string,
    body: Buffer | string,
    type = 'application/pdf',
    headers: Record<string, string> = office,
  ) =>
    h.app.inject({
      method: 'POST',
      url: `${REPORT}/${unit}/attachments?name=${encodeURIComponent(name)}`,
      payload: body,
      headers: { ...headers, 'content-type': type },
    });
  const submit = (unit: string, payload: object) =>
    h.app.inject({ method: 'POST', url: `${REPORT}/${unit}/submit`, payload, headers: office });
  const problem = (res: { statusCode: number; json: () => unknown }) => ({
    status: res.statusCode,
    fields: ((res.json() as { errors?: { field: string }[] }).errors ?? []).map((e) => e.field),
  });
  const submissions = () => h.ledger.events({ campaignId: 'mini', kinds: ['submission'], unitId: 'b-mech-t1' });

  it('uploads each file alone, names them in the submission, and reads the report and its files back', async () => {
    const pdf = tinyPdf('Q3 by API');
    const up = await upload('b-mech-t1', '三季度汇报.pdf', pdf);
    expect(up.statusCode).toBe(200);
    expect(up.json()).toEqual({
      ref: `sha256:${sha(pdf)}`,
      sha256: sha(pdf),
      name: '三季度汇报.pdf',
      mime: 'application/pdf',
      size: pdf.length,
    });
    // Sent as bytes of no declared type: recognised by its content all the same.
    const scan = tinyPdf('scan');
    expect((await upload('b-mech-t1', '扫描件.pdf', scan, 'application/octet-stream')).json()).toMatchObject({
      mime: 'application/pdf',
    });

    // Refused, keeping nothing: text dressed as a PDF, a form, JSON, no name, too large, another committee's unit.
    const fake = await upload('b-mech-t1', '汇报.pdf', 'not a pdf at all');
    expect(fake.statusCode).toBe(415);
    expect(fake.json()).toMatchObject({ detail: expect.stringContaining('不是 PDF、Word、Excel 或图片') });
    expect(problem(fake).fields).toEqual(['body']);
    // A form in place of the file: the API takes the file alone; a form cut short is refused as such.
    const whole = '--x\r\nContent-Disposition: form-data; name="file"; filename="x.pdf"\r\n\r\n%PDF-1.4\r\n--x--\r\n';
    expect(problem(await upload('b-mech-t1', 'x.pdf', whole, 'multipart/form-data; boundary=x'))).toEqual({
      status: 415,
      fields: ['content-type'],
    });
    const cut = await upload('b-mech-t1', 'x.pdf', '--x\r\n', 'multipart/form-data; boundary=x');
    expect(problem(cut)).toEqual({ status: 400, fields: ['body'] });
    const json = await upload('b-mech-t1', 'x.pdf', JSON.stringify({ file: 'x' }), 'application/json');
    expect(problem(json)).toEqual({ status: 415, fields: ['content-type'] });
    const nameless = await h.app.inject({
      method: 'POST',
      url: `${REPORT}/b-mech-t1/attachments`,
      payload: pdf,
      headers: { ...office, 'content-type': 'application/pdf' },
    });
    expect(problem(nameless)).toEqual({ status: 400, fields: ['query.name'] });
    const huge = await upload('b-mech-t1', 'huge.pdf', Buffer.concat([pdf, Buffer.alloc(21 * 1024 * 1024)]));
    expect(huge.statusCode).toBe(413);
    expect((await upload('b-mech-t1', 'x.pdf', tinyPdf('theirs'), 'application/pdf', otherCommittee)).statusCode).toBe(
      403,
    );
    expect(await h.deps.attachments.meta(sha(tinyPdf('theirs')))).toBeUndefined();

    // A ref never uploaded, or listed twice: refused by its entry, nothing recorded.
    const unknown = `sha256:${'ab'.repeat(32)}`;
    expect(
      problem(await submit('b-mech-t1', { text: '三季度汇报', attachments: [`sha256:${sha(pdf)}`, unknown] })),
    ).toEqual({ status: 400, fields: ['body.attachments.1'] });
    expect(
      problem(
        await submit('b-mech-t1', { text: '三季度汇报', attachments: [`sha256:${sha(pdf)}`, `sha256:${sha(pdf)}`] }),
      ),
    ).toEqual({ status: 400, fields: ['body.attachments.1'] });
    expect(problem(await submit('b-mech-t1', { text: '三季度汇报', attachments: ['三季度汇报.pdf'] }))).toEqual({
      status: 400,
      fields: ['body.attachments.0'],
    });
    expect(await submissions()).toEqual([]);

    const receipt = await submit('b-mech-t1', {
      text: '第三季度工作汇报（程序报送）',
      attachments: [`sha256:${sha(pdf)}`, `sha256:${sha(scan)}`],
    });
    expect(receipt.statusCode).toBe(200);
    expect(receipt.json()).toMatchObject({ unitId: 'b-mech-t1', number: expect.stringMatching(/^R[0-9A-F]{4}-/) });
    const [recorded] = await eventually('the submission recorded', async () => {
      const found = await submissions();
      return found.length > 0 ? found : undefined;
    });
    expect(recorded!.data?.attachments).toEqual([`sha256:${sha(pdf)}`, `sha256:${sha(scan)}`]);

    // Read back: the report as it stands, and each of its files under its name.
    const report = await h.app.inject({ method: 'GET', url: `${REPORT}/b-mech-t1/report`, headers: office });
    expect(report.statusCode).toBe(200);
    expect(report.json()).toMatchObject({
      text: '第三季度工作汇报（程序报送）',
      lateMs: 0,
      attachments: [
        { ref: `sha256:${sha(pdf)}`, name: '三季度汇报.pdf', mime: 'application/pdf', size: pdf.length },
        { ref: `sha256:${sha(scan)}`, name: '扫描件.pdf' },
      ],
      corrections: [],
    });
    const file = await h.app.inject({
      method: 'GET',
      url: `${REPORT}/b-mech-t1/attachments/${sha(pdf)}`,
      headers: office,
    });
    expect(file.statusCode).toBe(200);
    expect(file.headers['content-type']).toBe('application/pdf');
    expect(file.headers['content-disposition']).toBe(
      `attachment; filename*=UTF-8''${encodeURIComponent('三季度汇报.pdf')}`,
    );
    expect(file.rawPayload.equals(pdf)).toBe(true);
  });

  it('refuses an upload once the report is in, a file of another report, and what the caller may not see', async () => {
    const late = await upload('b-mech-t1', '补充.pdf', tinyPdf('too late'));
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ title: '已报送过' });
    expect(await h.deps.attachments.meta(sha(tinyPdf('too late')))).toBeUndefined();

    // Another unit's file by its hash: this report does not have it.
    const other = tinyPdf('b-mech-s1 draft');
    expect((await upload('b-mech-s1', '草稿.pdf', other)).statusCode).toBe(200);
    const foreign = await h.app.inject({
      method: 'GET',
      url: `${REPORT}/b-mech-t1/attachments/${sha(other)}`,
      headers: office,
    });
    expect(problem(foreign)).toEqual({ status: 404, fields: ['params.sha256'] });
    // Not reported yet: no report to read.
    expect((await h.app.inject({ method: 'GET', url: `${REPORT}/b-mech-s1/report`, headers: office })).statusCode).toBe(
      404,
    );
    // Another committee's secretary reads neither the report nor its files.
    const pdf = sha(tinyPdf('Q3 by API'));
    for (const url of [`${REPORT}/b-mech-t1/report`, `${REPORT}/b-mech-t1/attachments/${pdf}`])
      expect((await h.app.inject({ method: 'GET', url, headers: otherCommittee })).statusCode).toBe(403);
  });

  it('lets a submission name only the files uploaded for its own deadline, and caps what one deadline uploads', async () => {
    const s1 = () => h.ledger.events({ campaignId: 'mini', kinds: ['submission'], unitId: 'b-mech-s1' });
    const draft = `sha256:${sha(tinyPdf('b-mech-s1 draft'))}`;
    // b-mech-t1's file, kept in the store and named by its report: not b-mech-s1's to name.
    const theirs = `sha256:${sha(tinyPdf('Q3 by API'))}`;
    const refused = await submit('b-mech-s1', { text: '三季度汇报', attachments: [draft, theirs] });
    expect(problem(refused)).toEqual({ status: 400, fields: ['body.attachments.1'] });
    expect(refused.json()).toMatchObject({ detail: expect.stringContaining('未为这一事项上传') });
    expect(await s1()).toEqual([]);

    // Thirty files a deadline (its draft among them); the thirty-first is refused and not kept.
    for (let i = 1; i < MAX_UPLOADS_PER_DEADLINE; i++)
      expect((await upload('b-mech-s1', `第${i}稿.pdf`, tinyPdf(`s1 version ${i}`))).statusCode).toBe(200);
    const tooMany = await upload('b-mech-s1', '又一稿.pdf', tinyPdf('one too many'));
    expect(problem(tooMany)).toEqual({ status: 409, fields: ['body'] });
    expect(tooMany.json()).toMatchObject({ title: '上传过多' });
    expect(await h.deps.attachments.meta(sha(tinyPdf('one too many')))).toBeUndefined();
    // One of its own again counts once: taken.
    expect((await upload('b-mech-s1', '草稿（重传）.pdf', tinyPdf('b-mech-s1 draft'))).statusCode).toBe(200);

    const receipt = await submit('b-mech-s1', { text: '三季度汇报', attachments: [draft] });
    expect(receipt.statusCode).toBe(200);
    const [recorded] = await eventually('the submission recorded', async () => {
      const found = await s1();
      return found.length > 0 ? found : undefined;
    });
    expect(recorded!.data?.attachments).toEqual([draft]);
  });
});

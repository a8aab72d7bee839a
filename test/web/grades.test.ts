/**
 * The grading page and the grade API through fastify.inject, on the dev server with plan 002
 * rehearsed from Saturday 31 March 2012 for an organisation of 6 + 5 branches: a committee's
 * secretary sees only its branches with the share, checks without recording, is refused another
 * committee's branch, a second A, a file without the grade column and a post without the CSRF
 * token (nothing recorded each time), saves its batch (its preliminary-grade deadline closes);
 * the office's API refuses a breach without an override, accepts it with one; the nomination check
 * refuses a B branch; tables 4 and 5 download as one workbook.
 */
import path from 'node:path';
import ExcelJS from 'exceljs';
import { loadPlanFile } from '../../plans/load';
import { eventually, multipart, startWebHarness, TEST_API_TOKEN, type WebHarness } from '../helpers/web';

const ROOT = path.resolve(__dirname, '..', '..');
const C = 'harbin-2012';
const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
const CSRF_COOKIE = /_csrf=[^;]+/;

describe('grading in the web console and the API', () => {
  let h: WebHarness;
  let mech: string;
  beforeAll(async () => {
    h = await startWebHarness({
      plan: await loadPlanFile(path.join(ROOT, 'plans', '002-harbin.yaml')),
      org: path.join(ROOT, 'test', 'fixtures', 'grading-org.yaml'),
      from: '2012-03-31T09:00',
    });
    // The campaign registers its units in the ledger as it starts (an activity of the worker).
    await eventually('units in the ledger', async () => ((await h.ledger.units(C)).length > 0 ? true : undefined));
    // The committee's secretary, signed in: a session as the sign-in link would start it.
    const token = await h.deps.sessions.issueSignIn('li.mech@example.org');
    const session = (await h.deps.sessions.redeem(token))!;
    mech = `sid=${h.app.signCookie(session.sessionId)}`;
  });
  afterAll(async () => {
    await h?.stop();
  });

  const page = (url: string, headers: Record<string, string>) => h.app.inject({ method: 'GET', url, headers });
  /** The form's CSRF token and its cookie, from the page, as a browser gets them. */
  async function form(headers: Record<string, string>) {
    const res = await page(`/console/${C}/grades?year=2012`, headers);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? '';
    const cookie = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => CSRF_COOKIE.test(c))!;
    return { csrf, cookie: cookie.split(';')[0]! };
  }
  async function post(headers: Record<string, string>, fields: Record<string, string>, withCsrf = true) {
    const f = await form(headers);
    const body = new URLSearchParams({
      ...(withCsrf ? { _csrf: f.csrf } : {}),
      year: '2012',
      step: 'preliminary',
      committee: '',
      ...fields,
    });
    return h.app.inject({
      method: 'POST',
      url: `/console/${C}/grades`,
      payload: body.toString(),
      headers: {
        ...headers,
        cookie: [headers.cookie, f.cookie].filter(Boolean).join('; '),
        'content-type': 'application/x-www-form-urlencoded',
      },
    });
  }
  const recorded = async () => (await h.ledger.grades().grades(C)).map((g) => `${g.unitId}=${g.grade}`);

  it('shows a committee its own branches, last year and the share, under the strict CSP', async () => {
    const res = await page(`/console/${C}/grades?year=2012`, { cookie: mech });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-security-policy']).toContain("default-src 'none'");
    expect(res.body).not.toContain('<script');
    expect(res.body).toContain('机械学院第6党支部');
    expect(res.body).not.toContain('信息学院第1党支部');
    expect(res.body).toContain('A级 0/6，上限 1（20%，向下取整）');
    expect((await page(`/console/${C}/grades?year=2012&committee=c-info`, { cookie: mech })).statusCode).toBe(403);
    // The office's own step is shown to the committee, read-only.
    const final = await page(`/console/${C}/grades?year=2012&step=final`, { cookie: mech });
    expect(final.body).toContain('此环节由活动办公室录入。');
  });

  it('checks without recording, refuses bad input naming the row and field, and saves a whole batch', async () => {
    const two = await post({ cookie: mech }, { action: 'check', 'g.mech-1': 'A', 'g.mech-2': 'A' });
    expect(two.statusCode).toBe(400);
    expect(two.body).toContain('按本页所填（尚未保存）');
    expect(two.body).toContain('第 2 行 等级：2 A in committee c-mech is over the share: at most 1 of 6 branches');
    const foreign = await post({ cookie: mech }, { action: 'save', 'g.mech-1': 'B', 'g.info-1': 'B' });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.body).toContain('党支部：branch info-1 belongs to committee c-info, not to c-mech');
    const noCsrf = await post({ cookie: mech }, { action: 'save', 'g.mech-1': 'B' }, false);
    expect(noCsrf.statusCode).toBe(403);
    // A sheet without the grade column, uploaded.
    const f = await form({ cookie: mech });
    const up = multipart({ _csrf: f.csrf, year: '2012', step: 'preliminary', committee: '', action: 'save' }, [
      { name: 'file', filename: 'c-mech.csv', type: 'text/csv', content: Buffer.from('支部编号,名称\nmech-1,x\n') },
    ]);
    const noColumn = await h.app.inject({
      method: 'POST',
      url: `/console/${C}/grades`,
      payload: up.payload,
      headers: { ...up.headers, cookie: `${mech}; ${f.cookie}` },
    });
    expect(noColumn.statusCode).toBe(400);
    expect(noColumn.body).toContain('第 1 行 等级（或 初评等级）：the column is missing');
    expect(await recorded()).toEqual([]);

    const grades = {
      'g.mech-1': 'A',
      'g.mech-2': 'B',
      'g.mech-3': 'B',
      'g.mech-4': 'B',
      'g.mech-5': 'C',
      'g.mech-6': 'D',
    };
    const saved = await post({ cookie: mech }, { action: 'save', ...grades });
    expect(saved.statusCode).toBe(200);
    expect(saved.body).toContain('已保存 6 个等级');
    expect(saved.body.replace(/\s+/g, ' ')).toContain(
      '已报送 基层党委（党总支、直属党支部）初审初评意见（分类定级第二步）（机械学院党委）：逾期',
    );
    expect(await recorded()).toEqual(['mech-1=A', 'mech-2=B', 'mech-3=B', 'mech-4=B', 'mech-5=C', 'mech-6=D']);
    expect((await h.ledger.grades().history(C, { unitId: 'mech-1' }))[0]).toMatchObject({
      setBy: 'li.mech@example.org',
      source: 'web',
    });
    await eventually('the deadline closed in the ledger', async () => {
      const [row] = await h.ledger.deadlineRows({
        campaignId: C,
        obligationKey: 'committee-preliminary-grade',
        unitId: 'c-mech',
      });
      return row?.submittedAt ? row : undefined;
    });
    // A change needs a reason.
    const change = await post({ cookie: mech }, { action: 'save', 'g.mech-2': 'C' });
    expect(change.body).toContain('变更理由：branch mech-2 already has B at this step: a change to C needs a reason');
  });

  it('the API: a sheet, a breach refused without the office’s override, accepted with it; the nomination check', async () => {
    const sheet = await h.app.inject({
      method: 'GET',
      url: `/api/v1/campaigns/${C}/grades?year=2012&step=final`,
      headers: office,
    });
    expect(sheet.statusCode).toBe(200);
    expect(sheet.json()).toMatchObject({
      year: 2012,
      step: 'final',
      aSharePercent: 20,
      quotas: [{ scope: 'university', graded: 11, ceiling: 2 }],
    });
    const entries = [
      { unitId: 'mech-1', grade: 'A' },
      { unitId: 'mech-2', grade: 'A' },
      { unitId: 'info-1', grade: 'A' },
      { unitId: 'mech-3', grade: 'B' },
    ];
    const post = (body: unknown, headers: Record<string, string> = office) =>
      h.app.inject({ method: 'POST', url: `/api/v1/campaigns/${C}/grades`, payload: body as object, headers });
    const refused = await post({ year: 2012, step: 'final', entries });
    expect(refused.statusCode).toBe(400);
    expect(refused.headers['content-type']).toContain('application/problem+json');
    expect(refused.json().detail).toContain(
      'entries:2 grade: 3 A across the university is over the share: at most 2 of 11',
    );
    // The committee may not enter final grades.
    expect((await post({ year: 2012, step: 'final', entries }, { cookie: mech })).statusCode).toBe(403);
    const ok = await post({ year: 2012, step: 'final', entries, quotaOverride: '经领导小组研究同意' });
    expect(ok.statusCode).toBe(200);
    expect(ok.json().quotas).toEqual([
      { scope: 'university', graded: 11, ceiling: 2, aCount: 3, over: true, overridden: true },
    ]);
    const nominate = (unit: string) =>
      h.app.inject({ method: 'GET', url: `/api/v1/campaigns/${C}/grades/nomination/${unit}`, headers: office });
    expect((await nominate('mech-1')).json()).toEqual({
      unitId: 'mech-1',
      eligible: true,
      latest: { grade: 'A', year: 2012 },
    });
    const b = await nominate('mech-3');
    expect(b.statusCode).toBe(409);
    expect(b.json().detail).toContain('only A branches may be nominated');
    const history = await h.app.inject({
      method: 'GET',
      url: `/api/v1/campaigns/${C}/grades/history?unit=mech-1`,
      headers: { cookie: mech },
    });
    expect(history.json<{ step: string; grade: string }[]>().map((g) => `${g.step}=${g.grade}`)).toEqual([
      'final=A',
      'preliminary=A',
    ]);
  });

  it('downloads tables 4 and 5 as one workbook, the committee’s own', async () => {
    const res = await page(`/console/${C}/grades/tables.xlsx?year=2012`, { cookie: mech });
    expect(res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.rawPayload as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((w) => w.getCell('A1').text)).toEqual([
      '附表4 高等学校基层党支部分类定级汇总表（2012）',
      '附表5 高等学校基层党支部整改汇总表（2012）',
    ]);
    const t4 = wb.worksheets[0]!;
    expect(t4.rowCount).toBe(8); // title, headers, 6 branches of c-mech
    expect(t4.getCell('C3').text).toBe('机械学院第1党支部');
    expect(t4.getCell('H3').text).toBe('A');
    expect(t4.getCell('I3').text).toBe('A');
    // Rectification follows the final grade: none of c-mech's final grades is C or D yet.
    expect(wb.worksheets[1]!.rowCount).toBe(2);
  });
});

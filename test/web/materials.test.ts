/**
 * A cycle's materials as one ZIP (web/console/materials.ts), on the dev server with the real
 * ledger and attachment store: one folder per unit in the organisation's order, the report as
 * corrected with its receipt number, the files under the names they were sent with (two of one
 * name kept apart), the files a correction replaced in a folder of their own, and an index
 * workbook that says who reported, late or not, and who did not. A committee's secretary gets
 * the committee's units only, a branch its own; a cycle without deadlines and a review are refused.
 */
import { createHash } from 'node:crypto';
import { rm } from 'node:fs/promises';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { recordCorrection } from '../../ledger/corrections';
import { deadlineWorkflowId } from '../../domain/engine/context';
import { SESSION_COOKIE } from '../../web/context';
import { receiptNumber } from '../../web/deadlines';
import { signLink } from '../../web/links';
import { eventually, postLink, Q3, startWebHarness, TEST_API_TOKEN, tinyPdf, type WebHarness } from '../helpers/web';

const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const URL = '/console/mini/materials.zip?obligation=quarterly-report&cycle=2010-Q3';

describe('a cycle’s materials as one ZIP', () => {
  let h: WebHarness;
  const first = tinyPdf('first table');
  const second = tinyPdf('second table, same name');
  const replacement = tinyPdf('the table as it should be');
  beforeAll(async () => {
    h = await startWebHarness();
    await eventually('the Q3 report open', () =>
      h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1').catch(() => undefined),
    );
    const sent = await postLink(h, signLink(h.config.LINK_SECRET, Q3), { text: '第三季度工作汇报：三会一课按时召开' }, [
      { name: 'attachments', filename: '汇总表.pdf', type: 'application/pdf', content: first },
      { name: 'attachments', filename: '汇总表.pdf', type: 'application/pdf', content: second },
    ]);
    expect(sent.statusCode).toBe(303);
    const waived = await h.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3/b-info-s1/waive',
      payload: { reason: '支部合并' },
      headers: office,
    });
    expect(waived.statusCode).toBe(200);
    const keys = { campaignId: 'mini', obligationKey: 'quarterly-report', cycleKey: '2010-Q3', unitId: 'b-mech-t1' };
    await eventually(
      'the report in the ledger',
      async () => (await h.ledger.events({ ...keys, kinds: ['submission'] }))[0],
    );
    await eventually('the waiver in the ledger', async () =>
      (await h.ledger.deadlineRows({ ...keys, unitId: 'b-info-s1' })).find((r) => r.waivedAt !== null),
    );
    // The office replaces the second file: it moves to the files before the correction.
    const kept = await h.deps.attachments.put('更正后的汇总表.pdf', 'application/pdf', replacement);
    await recordCorrection(h.ledger, {
      ...keys,
      at: '2010-09-21T02:00:00.000Z',
      by: 'office@example.org',
      reason: '第二张表有误',
      text: '第三季度工作汇报（更正）',
      attachments: [`sha256:${sha(first)}`, `sha256:${kept.sha256}`],
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const download = async (headers: Record<string, string>, url = URL) => {
    const res = await h.app.inject({ method: 'GET', url, headers });
    return { res, zip: res.statusCode === 200 ? await JSZip.loadAsync(res.rawPayload) : undefined };
  };
  const session = async (email: string) => {
    const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn(email)))!;
    return { cookie: `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}` };
  };
  const folders = (zip: JSZip) => [
    ...new Set(
      Object.keys(zip.files)
        .filter((n) => n.includes('/'))
        .map((n) => n.split('/')[0]),
    ),
  ];

  it('holds every unit’s report as it stands, its files by their names, and an index', async () => {
    const { res, zip } = await download(office);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('application/zip');
    expect(res.headers['content-disposition']).toContain(
      `filename*=UTF-8''${encodeURIComponent('季度工作汇报-2010年第三季度-报送材料.zip')}`,
    );
    // The heatmap's order: by committee, then by unit.
    expect(folders(zip!)).toEqual(['4-机械学院教工第一党支部']);
    const names = Object.keys(zip!.files).filter((n) => !n.endsWith('/'));
    expect(names.sort()).toEqual(
      [
        '汇总.xlsx',
        '4-机械学院教工第一党支部/报送内容.txt',
        '4-机械学院教工第一党支部/汇总表.pdf',
        '4-机械学院教工第一党支部/更正后的汇总表.pdf',
        '4-机械学院教工第一党支部/更正前的附件/汇总表.pdf',
      ].sort(),
    );
    const file = (n: string) => zip!.file(n)!.async('nodebuffer');
    expect(await file('4-机械学院教工第一党支部/汇总表.pdf')).toEqual(first);
    expect(await file('4-机械学院教工第一党支部/更正后的汇总表.pdf')).toEqual(replacement);
    expect(await file('4-机械学院教工第一党支部/更正前的附件/汇总表.pdf')).toEqual(second);

    const original = (
      await h.ledger.events({ campaignId: 'mini', unitId: 'b-mech-t1', cycleKey: '2010-Q3', kinds: ['submission'] })
    )[0]!;
    const receipt = receiptNumber({
      deadlineId: deadlineWorkflowId('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1'),
      receivedAt: original.at,
    });
    const text = (await file('4-机械学院教工第一党支部/报送内容.txt')).toString('utf8');
    expect(
      text.startsWith(
        '\ufeff单位：机械学院教工第一党支部（机械工程学院党委）\r\n事项：季度工作汇报（2010年第三季度）\r\n',
      ),
    ).toBe(true);
    expect(text).toContain(`回执编号：${receipt}`);
    expect(text).toContain('（按时）');
    expect(text).toContain('更正（第1次）：2010年9月21日（星期二）10:00，office@example.org，原因：第二张表有误');
    expect(text).toContain('—— 报送内容（更正后）——\r\n第三季度工作汇报（更正）');
    expect(text).not.toContain('三会一课');

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await file('汇总.xlsx')) as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    const rows = ws.getSheetValues().slice(3) as unknown[][];
    const byUnit = new Map(rows.map((r) => [String(r[2]), r]));
    expect([...byUnit.keys()]).toEqual([
      '信息学院研究生党支部',
      '信息学院教工党支部',
      '机械学院本科生第一党支部',
      '机械学院教工第一党支部',
    ]);
    expect(byUnit.get('机械学院教工第一党支部')).toEqual(
      expect.arrayContaining([
        '按时',
        receipt,
        '刘洋 <liu.yang@example.org>（邮件链接）',
        '已更正 1 次',
        2,
        '4-机械学院教工第一党支部',
      ]),
    );
    expect(byUnit.get('机械学院本科生第一党支部')).toContain('未报送');
    expect(byUnit.get('信息学院研究生党支部')).toContain('已免报');
  });

  it('gives a committee its own units, a branch its own, and nothing across', async () => {
    const committee = await download(await session('li.mech@example.org'));
    expect(committee.res.statusCode).toBe(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(await committee.zip!.file('汇总.xlsx')!.async('arraybuffer'));
    const units = (wb.worksheets[0]!.getSheetValues().slice(3) as unknown[][]).map((r) => r[2]);
    expect(units).toEqual(['机械学院本科生第一党支部', '机械学院教工第一党支部']);
    // Asking for another committee does not widen the scope.
    expect(folders(committee.zip!)).toEqual(['2-机械学院教工第一党支部']);
    const other = await download(await session('li.mech@example.org'), `${URL}&committee=c-info`);
    expect(folders(other.zip!)).toEqual(['2-机械学院教工第一党支部']);

    const branch = await download(await session('chen.jing@example.org'));
    expect(branch.res.statusCode).toBe(200);
    expect(folders(branch.zip!)).toEqual([]);
    const own = new ExcelJS.Workbook();
    await own.xlsx.load(await branch.zip!.file('汇总.xlsx')!.async('arraybuffer'));
    expect((own.worksheets[0]!.getSheetValues().slice(3) as unknown[][]).map((r) => r[2])).toEqual([
      '机械学院本科生第一党支部',
    ]);
  });

  it('serves programs through the API with a person’s token, in that person’s scope', async () => {
    const { token } = await h.deps.apiTokens.create({
      email: 'li.mech@example.org',
      name: '归档',
      access: 'read',
      days: 30,
    });
    const api = '/api/v1/campaigns/mini/materials.zip?obligation=quarterly-report&cycle=2010-Q3';
    const bearer = (t: string) => ({ authorization: `Bearer ${t}` });
    const mine = await download(bearer(token), api);
    expect(mine.res.statusCode).toBe(200);
    expect(folders(mine.zip!)).toEqual(['2-机械学院教工第一党支部']);
    expect(await mine.zip!.file('2-机械学院教工第一党支部/更正后的汇总表.pdf')!.async('nodebuffer')).toEqual(
      replacement,
    );
    expect((await download(bearer(token), `${api}&committee=c-info`)).res.statusCode).toBe(403);
    const all = await download(office, api);
    expect(folders(all.zip!)).toEqual(['4-机械学院教工第一党支部']);
    const none = await download(office, api.replace('2010-Q3', '2012-Q4'));
    expect(none.res.statusCode).toBe(404);
    expect(none.res.json()).toMatchObject({ status: 404, errors: [{ field: 'query.cycle' }] });
    const doc = (await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{ paths: object }>();
    expect(Object.keys(doc.paths)).toContain('/api/v1/campaigns/{campaignId}/materials.zip');
  });

  it('names a file the store lacks in a note in its place, and the download completes', async () => {
    const other = tinyPdf('a file the store loses');
    const sent = await postLink(h, signLink(h.config.LINK_SECRET, { ...Q3, unitId: 'b-mech-s1' }), { text: '汇报' }, [
      { name: 'attachments', filename: '丢失的表.pdf', type: 'application/pdf', content: other },
    ]);
    expect(sent.statusCode).toBe(303);
    await eventually(
      'the report in the ledger',
      async () =>
        (
          await h.ledger.events({ campaignId: 'mini', unitId: 'b-mech-s1', cycleKey: '2010-Q3', kinds: ['submission'] })
        )[0],
    );
    await rm(h.deps.attachments.file(sha(other)));
    const { res, zip } = await download(office);
    expect(res.statusCode).toBe(200);
    expect(folders(zip!)).toEqual(['3-机械学院本科生第一党支部', '4-机械学院教工第一党支部']);
    expect(zip!.file('3-机械学院本科生第一党支部/丢失的表.pdf')).toBeNull();
    const note = await zip!.file('3-机械学院本科生第一党支部/丢失的表.pdf.缺失.txt')!.async('string');
    expect(note).toContain(`附件库中缺少此文件（SHA-256：${sha(other)}）`);
    // The other unit's files are whole.
    expect(await zip!.file('4-机械学院教工第一党支部/汇总表.pdf')!.async('nodebuffer')).toEqual(first);
  });

  it('is offered on the heatmap, and refused for a cycle without deadlines, a review, or a visitor', async () => {
    const map = await h.app.inject({ method: 'GET', url: '/console/mini/o/quarterly-report/', headers: office });
    expect(map.body).toContain('action="/console/mini/materials.zip"');
    expect(map.body).toMatch(/<option value="2010-Q3"\s+selected>/);

    const none = await download(office, '/console/mini/materials.zip?obligation=quarterly-report&cycle=2012-Q4');
    expect(none.res.statusCode).toBe(404);
    const review = await download(
      office,
      '/console/mini/materials.zip?obligation=quarterly-report.review&cycle=2010-Q3',
    );
    expect(review.res.statusCode).toBe(400);
    const bad = await download(office, '/console/mini/materials.zip?obligation=quarterly-report&cycle=../etc');
    expect(bad.res.statusCode).toBe(400);
    const visitor = await download({});
    expect(visitor.res.statusCode).toBe(401);
  });
});

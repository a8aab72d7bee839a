/**
 * The office console through fastify.inject on the dev server (the mini campaign rehearsed from
 * 28 September 2010: every branch's Q3 report is overdue): the English switch with the plan's
 * titleEn, the ranking by period, CSV and Excel downloads shaped like the office's tables, the
 * heatmap as a PNG, waiving and extending a whole committee (and one unit, whose coming steps move
 * on the dashboard), re-sending a notice (recorded with who and why); and, with MAIL_URL an outbox, the outbox page rendering text, HTML and .ics.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtemp } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import ExcelJS from 'exceljs';
import { connectClient } from '../../client/campaigns';
import { buildServer } from '../../web/server';
import { eventually, formPost, sessionCookie, startWebHarness, TEST_API_TOKEN, type WebHarness } from '../helpers/web';

const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
/** An office form, posted with the CSRF token of its own page. */
const officePost = (h: WebHarness, url: string, fields: Record<string, string>) => formPost(h, url, fields, office);

/** Width and height of a PNG, and whether its data inflates to the right size (RGB rows with a filter byte). */
function pngShape(buf: Buffer): { width: number; height: number; complete: boolean } {
  expect(buf.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const width = buf.readUInt32BE(16);
  const height = buf.readUInt32BE(20);
  const idatLen = buf.readUInt32BE(33);
  const raw = inflateSync(buf.subarray(41, 41 + idatLen));
  return { width, height, complete: raw.length === (width * 3 + 1) * height };
}

describe('the office console (inject)', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ from: '2010-09-28T10:00' });
    await eventually('Q3 notices recorded', async () =>
      (await h.ledger.events({ campaignId: 'mini', kinds: ['message-sent'], obligationKey: 'quarterly-report' }))
        .length >= 4
        ? true
        : undefined,
    );
  });
  afterAll(async () => {
    await h?.stop();
  });
  const get = (url: string, headers: Record<string, string> = office) => h.app.inject({ method: 'GET', url, headers });

  it('has no outbox to show, in the console or the API, when mail goes out by SMTP', async () => {
    for (const url of ['/console/outbox', '/api/v1/outbox', '/api/v1/outbox/1'])
      expect([url, (await get(url)).statusCode]).toEqual([url, 404]);
    expect((await get('/api/v1/outbox')).json()).toMatchObject({ title: '没有发件箱' });
  });

  it('speaks English on request, with the plan’s titleEn, and keeps China time', async () => {
    const sw = await get('/console/lang/en?back=/console/mini');
    expect(sw.statusCode).toBe(303);
    expect(sw.headers.location).toBe('/console/mini');
    const lang = ([] as string[]).concat(sw.headers['set-cookie'] ?? []).find((c) => c.startsWith('lang='))!;
    const en = await get('/console/mini/o/quarterly-report/', { ...office, cookie: lang.split(';')[0]! });
    expect(en.body).toContain('<html lang="en">');
    expect(en.body).toContain('Quarterly report');
    expect(en.body).toMatch(/Tue 28 Sept? 2010 10:0\d \(China time\)/);
    // Never an open redirect.
    expect((await get('/console/lang/en?back=//evil.example')).headers.location).toBe('/console');
    const zh = await get('/console/mini/o/quarterly-report/');
    expect(zh.body).toContain('<html lang="zh-CN">');
    expect(zh.body).toContain('季度工作汇报');
  });

  it('links a deadline’s page to its workflow in the Temporal Web UI only where one is served', async () => {
    const page = '/console/mini/o/quarterly-report/2010-Q3/b-mech-t1';
    const without = await get(page);
    expect(without.statusCode).toBe(200);
    expect(without.body).not.toContain('Temporal Web UI');
    // The same engine and ledger, served by an app told where the Web UI is (a trailing slash is dropped).
    const withUi = await buildServer({ ...h.deps, config: { ...h.config, TEMPORAL_UI_URL: 'http://127.0.0.1:8233/' } });
    try {
      const res = await withUi.inject({ method: 'GET', url: page, headers: office });
      expect(res.statusCode).toBe(200);
      const href = /<a href="([^"]+)" rel="noopener"\s*>在 Temporal Web UI 中查看工作流/.exec(res.body)?.[1];
      expect(href).toBe(
        `http://127.0.0.1:8233/namespaces/${h.config.temporal.namespace}/workflows/mini%2Fquarterly-report%2F2010-Q3%2Fb-mech-t1`,
      );
      // The id in the link is the deadline's workflow, as the engine knows it.
      const id = decodeURIComponent(/\/workflows\/([^/]+)$/.exec(href!)![1]!);
      const client = await connectClient(h.config.temporal);
      try {
        const d = await client.workflow.getHandle(id).describe();
        expect(d.type).toBe('deadlineWorkflow');
      } finally {
        await client.connection.close();
      }
    } finally {
      await withUi.close();
    }
  });

  it('ranks by period and downloads CSV and Excel shaped like the office’s tables', async () => {
    const q3 = await get('/console/mini?period=2010-Q3');
    expect(q3.body).toMatch(/<option value="2010-Q3" selected>2010年第三季度<\/option>/);
    // Q3 holds the overdue quarterly reports only; the branch plans fell due in Q2.
    const ranking = /<table class="ranking">[\s\S]*?<\/table>/.exec(q3.body)![0];
    expect(ranking.match(/<tr>/g)).toHaveLength(5);
    expect(ranking.replace(/\s+/g, ' ')).toMatch(/<td>0<\/td> <td>1<\/td>/);
    const q1 = await get('/console/mini?period=2010-Q2');
    expect(q1.body).toMatch(/<td>0<\/td>\s*<td>1<\/td>/);

    const csv = await get('/console/mini/reports/lagging.csv');
    expect(csv.statusCode).toBe(200);
    expect(csv.headers['content-type']).toMatch(/text\/csv/);
    expect(csv.body.startsWith('\uFEFF序号,单位,单位编号,所属党委,应交次数,迟交次数,未交次数')).toBe(true);
    expect(csv.body).toContain('b-mech-t1');

    const xlsx = await h.app.inject({ method: 'GET', url: '/console/mini/reports/ranking.xlsx', headers: office });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const ws = wb.worksheets[0]!;
    expect(ws.name).toBe('滞后支部排名');
    expect(ws.views[0]).toMatchObject({ state: 'frozen', ySplit: 2 });
    expect(ws.getRow(2).getCell(2).text).toBe('单位');
    expect(ws.getColumn(2).width).toBeGreaterThanOrEqual(20);
    expect(ws.rowCount).toBe(2 + 4);

    expect((await get('/console/nope')).statusCode).toBe(404);
    expect((await get('/console/mini/reports/unit.csv')).statusCode).toBe(400);
  });

  it('draws the heatmap as a PNG, one square per deadline', async () => {
    const png = await get('/console/mini/heatmap.png?obligation=quarterly-report');
    expect(png.headers['content-type']).toBe('image/png');
    const shape = pngShape(png.rawPayload);
    // One cycle; two committees of two branches each, with a 3-pixel gap between them.
    expect(shape).toEqual({ width: 10, height: 4 * 10 + 3, complete: true });
  });

  it('extends a whole committee, waives one unit and re-sends a notice, each recorded with who and why', async () => {
    const base = '/console/mini/o/quarterly-report/2010-Q3';
    const ext = await officePost(h, `${base}/b-info-t1/extend`, {
      scope: 'committee',
      newDueAt: '2010-10-12T17:00',
      reason: '信息学院迎评，统一延期',
      confirm: 'yes',
    });
    expect(ext.statusCode).toBe(303);
    for (const unit of ['b-info-t1', 'b-info-s1']) {
      const s = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', unit);
      expect(s.dueAt).toBe('2010-10-12T09:00:00.000Z');
    }
    expect((await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1')).extensions).toBe(0);
    const recorded = await h.ledger.events({ campaignId: 'mini', kinds: ['extension'] });
    expect(recorded.map((e) => [e.unitId, e.actor, e.reason]).sort()).toEqual([
      ['b-info-s1', 'api-token', '信息学院迎评，统一延期'],
      ['b-info-t1', 'api-token', '信息学院迎评，统一延期'],
    ]);

    // Unconfirmed: refused, nothing done.
    const unconfirmed = await officePost(h, `${base}/b-mech-s1/waive`, { scope: 'unit', reason: '转入其他支部' });
    expect(unconfirmed.statusCode).toBe(400);
    const waive = await officePost(h, `${base}/b-mech-s1/waive`, {
      scope: 'unit',
      reason: '转入其他支部',
      confirm: 'yes',
    });
    expect(waive.statusCode).toBe(303);
    const waived = await h.ledger.events({ campaignId: 'mini', kinds: ['waiver'] });
    expect(waived.map((e) => [e.unitId, e.reason])).toEqual([['b-mech-s1', '转入其他支部']]);
    const map = await get('/console/mini/o/quarterly-report/');
    expect(map.body).toMatch(/<td class="hw"><a href="2010-Q3\/b-mech-s1" title="已免报">–<\/a>/);

    const before = h.smtp.received.length;
    const resend = await officePost(h, `${base}/b-mech-t1/resend`, { reason: '联络员更换，重发通知', confirm: 'yes' });
    expect(resend.statusCode).toBe(303);
    const mail = await eventually('re-sent notice', () =>
      h.smtp.received
        .slice(before)
        .find(
          (r) =>
            r.envelopeTo.includes('liu.yang@example.org') &&
            /请按时报送「2010年第三季度工作汇报」/.test(r.mail.subject ?? ''),
        ),
    );
    expect(mail.mail.text).toContain('截止时间：2010年9月25日（星期六）23:59');
    const history = await get(`${base}/b-mech-t1`);
    expect(history.body.replace(/\s+/g, ' ')).toContain('报送通知 · 经办 api-token · 理由：联络员更换，重发通知');
  });
  it('lists an extended unit’s coming steps from its new due instant, no longer under the old one', async () => {
    /** The rows of the dashboard's coming two weeks: when, obligation, cycle, step, units. */
    const upcoming = async () => {
      const page = await get('/console/mini');
      const section = /<section class="card" aria-labelledby="h-next">[\s\S]*?<\/section>/.exec(page.body)![0];
      return [...section.matchAll(/<tr>([\s\S]*?)<\/tr>/g)]
        .map((row) => [...row[1]!.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((td) => td[1]!.replace(/\s+/g, ' ').trim()))
        .filter((cells) => cells[2] === '2010-Q3');
    };
    const before = await upcoming();
    const oldEscalation = before.find((r) => r[0] === '2010年10月8日（星期五）08:30' && r[3] === '第2级督办');
    expect(oldEscalation).toBeDefined();
    // b-mech-t1's Q3 report (due 25 September, overdue) moves to Monday 11 October, 23:59 China time.
    await h.campaigns.extend('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1', {
      newDueAt: '2010-10-11T15:59:00.000Z',
      by: 'office',
      reason: '书记出差，延期两周',
    });
    await eventually('extension recorded', async () =>
      (await h.ledger.events({ campaignId: 'mini', kinds: ['extension'], unitId: 'b-mech-t1' })).length === 1
        ? true
        : undefined,
    );
    // The engine's next step for the unit: the reminder of its new due instant.
    const { nextStep } = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1');
    expect(nextStep).toMatchObject({ step: 'reminder-1~ext1', at: '2010-10-08T09:29:00.000Z' });
    const after = await upcoming();
    // The moved reminder and due step (its mail at the next office hours), for that one unit; not there before.
    const moved = [
      ['2010年10月8日（星期五）17:29', '季度工作汇报', '2010-Q3', '第1次提醒', '1'],
      ['2010年10月11日（星期一）08:30', '季度工作汇报', '2010-Q3', '截止', '1'],
    ];
    for (const row of moved) {
      expect(before).not.toContainEqual(row);
      expect(after).toContainEqual(row);
    }
    // The old due instant's escalation no longer reaches it: one unit fewer, or gone when it reached that unit alone.
    const left = Number(oldEscalation![4]) - 1;
    const oldNow = after.filter((r) => r[0] === oldEscalation![0] && r[3] === '第2级督办');
    expect(oldNow).toEqual(left > 0 ? [[...oldEscalation!.slice(0, 4), String(left)]] : []);
  });

  it('ends the running phase from its form, after a preview, recorded with who and why', async () => {
    const preview = await get('/console/mini/end-phase');
    expect(preview.statusCode).toBe(200);
    const text = preview.body.replace(/\s+/g, ' ');
    expect(text).toMatch(/阶段 <strong>全面争创<\/strong> 现在结束/);
    expect(text).toMatch(/<strong id="announcements">0<\/strong>/);
    // The Q4 report would have opened in this phase: it no longer will.
    expect(text).toMatch(
      /将不再开放的报送事项<\/h3> <ul class="plain"> <li> 季度工作汇报 2010-Q4 · 开放 2010年12月6日（星期一）23:59/,
    );
    const res = await officePost(h, '/console/mini/end-phase', {
      phaseKey: 'engage',
      reason: '上级通知提前结束争创阶段',
      confirm: 'yes',
    });
    expect(res.statusCode).toBe(303);
    const changes = await h.ledger.events({ campaignId: 'mini', kinds: ['phase-advanced'] });
    expect(changes.map((e) => [e.phaseKey, e.data?.action, e.actor, e.reason])).toEqual([
      ['engage', 'ended', 'api-token', '上级通知提前结束争创阶段'],
    ]);
    const dash = await get('/console/mini');
    expect(dash.body.replace(/\s+/g, ' ')).toMatch(
      /手动结束：api-token · 2010年9月28日（星期二）10:\d\d · 理由：上级通知提前结束争创阶段/,
    );
  });
});

describe('the outbox page (MAIL_URL an outbox)', () => {
  let h: WebHarness;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'console-outbox-'));
    h = await startWebHarness({ from: '2010-09-28T10:00', mailUrl: `outbox:${dir}` });
  });
  afterAll(async () => {
    await h?.stop();
  });

  it('lists the messages and shows one as text, HTML (sandboxed) and .ics', async () => {
    const list = await eventually('mail in the outbox', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/console/outbox', headers: office });
      return /请按时报送[^<]*季度工作汇报/.test(res.body) ? res.body : undefined;
    });
    const n = /href="\/console\/outbox\/([^"]+\.eml)">[^<]*请按时报送[^<]*季度工作汇报/.exec(list)![1]!;
    const one = await h.app.inject({ method: 'GET', url: `/console/outbox/${n}`, headers: office });
    expect(one.statusCode).toBe(200);
    expect(one.body).toContain('截止时间：2010年9月25日（星期六）23:59');
    const htmlPart = await h.app.inject({ method: 'GET', url: `/console/outbox/${n}?part=html`, headers: office });
    expect(htmlPart.headers['content-security-policy']).toContain('sandbox');
    expect(htmlPart.body).toContain('季度工作汇报');
    const ics = await h.app.inject({ method: 'GET', url: `/console/outbox/${n}?part=ics`, headers: office });
    expect(ics.body).toContain('BEGIN:VCALENDAR');
    expect(ics.body).toContain('DTSTART:20100925T155959Z');
    expect(
      (await h.app.inject({ method: 'GET', url: '/console/outbox/..%2F..%2Fetc%2Fpasswd.eml', headers: office }))
        .statusCode,
    ).toBe(400);
    // Nobody but the office.
    expect((await h.app.inject({ method: 'GET', url: '/console/outbox' })).statusCode).toBe(401);
  });

  it('gives programs the same through the API, a page at a time, to the office alone', async () => {
    const get = (url: string, headers: Record<string, string> | undefined = office) =>
      h.app.inject({ method: 'GET', url, headers });
    type Entry = { index: number; id: string; date?: string; to: string; subject: string };
    const all = await get('/api/v1/outbox?limit=500');
    expect(all.statusCode).toBe(200);
    const { total, messages } = all.json<{ total: number; messages: Entry[] }>();
    expect(total).toBeGreaterThanOrEqual(2);
    expect(messages).toHaveLength(total);
    expect(messages.map((m) => m.index)).toEqual(messages.map((_, i) => i + 1));
    // The second page of one starts where the first ended, and tells no path of the server's.
    const second = await get('/api/v1/outbox?offset=1&limit=1');
    expect(second.json()).toEqual({ total, offset: 1, messages: [messages[1]] });
    expect(JSON.stringify(all.json())).not.toContain(os.tmpdir());

    const notice = messages.find((m) => /请按时报送.*季度工作汇报/.test(m.subject))!;
    expect(notice.id).toMatch(/^[0-9a-f]{32}$/);
    for (const which of [String(notice.index), notice.id]) {
      const one = await get(`/api/v1/outbox/${which}`);
      expect(one.statusCode).toBe(200);
      expect(one.json()).toMatchObject({
        id: notice.id,
        subject: notice.subject,
        to: notice.to,
        attachments: ['deadline.ics'],
      });
      expect(one.json<{ text: string }>().text).toContain('截止时间：2010年9月25日（星期六）23:59');
      expect(one.json()).not.toHaveProperty('file');
    }
    expect((await get(`/api/v1/outbox/${total + 1}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/outbox/${'0'.repeat(32)}`)).statusCode).toBe(404);
    for (const bad of ['..%2F..%2Fetc%2Fpasswd', '1.eml', 'x'])
      expect([bad, (await get(`/api/v1/outbox/${bad}`)).statusCode]).toEqual([bad, 400]);
    expect((await get('/api/v1/outbox?limit=0')).statusCode).toBe(400);
    expect((await get('/api/v1/outbox?page=2')).statusCode).toBe(400);
    // Everyone's mail: not a committee's secretary's, nor anyone's unsigned.
    const committee = { cookie: await sessionCookie(h, 'li.mech@example.org') };
    expect((await get('/api/v1/outbox', committee)).statusCode).toBe(403);
    expect((await get(`/api/v1/outbox/${notice.id}`, committee)).statusCode).toBe(403);
    expect((await get('/api/v1/outbox', {})).statusCode).toBe(401);
  });
});

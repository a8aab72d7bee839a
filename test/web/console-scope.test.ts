/**
 * The office console's pages with data in them, and each person's part of them (fastify.inject
 * on the dev server, the mini campaign rehearsed from 28 September 2010: every branch's Q3 report
 * is overdue, the branch plans have been missing since June).
 *
 * The rehearsal runs at real speed, so a rectification order and a late leader review are weeks
 * of plan time away: the test records them in the ledger as the engine's activities write them
 * (same ids, kinds and fields), on deadlines the engine no longer runs.
 *
 * Shown: a branch secretary (zhang.wei, b-mech-t1) reads only that branch in every download
 * (CSV, Excel, the whole-audit workbook), on the dashboard (counts, orders, reviews, ranking) and
 * on the heatmap; a committee secretary only that committee; the grading reports are refused to a
 * branch. The heatmap's filters (committee, obligation, branch kind, phase); the campaigns page
 * (plan, organisation, phase, colour counts, next instant); the dashboard's orders and late
 * reviews with their due instants, its colour counts, its phase timeline and the ranking by
 * half-year, year and the whole campaign; a unit's page (deadlines, receipts with attachment
 * links, open and closed orders, the chart's obligation titles); extending a whole cycle and
 * waiving a whole committee, with how many units were changed or skipped, and an empty target
 * list refused in words; the outbox link only where MAIL_URL is an outbox.
 */
import path from 'node:path';
import Database from 'better-sqlite3';
import ExcelJS from 'exceljs';
import type { FastifyInstance } from 'fastify';
import { openSqlLedger, type SqlLedger } from '../../ledger/store';
import type { LedgerEvent } from '../../ledger/types';
import { SESSION_COOKIE } from '../../web/context';
import { verifyLink } from '../../web/links';
import { buildServer } from '../../web/server';
import {
  eventually,
  formPost,
  startWebHarness,
  TEST_API_TOKEN,
  TEST_LINK_SECRET,
  type WebHarness,
} from '../helpers/web';

const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
const DAY = 86_400_000;
const BRANCHES = ['b-info-s1', 'b-info-t1', 'b-mech-s1', 'b-mech-t1'];
const ATTACHMENT = `sha256:${'ab'.repeat(32)}`;

/** Facts as the engine's activities record them (deadline-opening.ts): `<deadline id>:<suffix>`. */
function facts(): LedgerEvent[] {
  const base = (obligationKey: string, cycleKey: string, unitId: string, committeeId: string, phaseKey: string) => ({
    campaignId: 'mini',
    obligationKey,
    cycleKey,
    unitId,
    committeeId,
    phaseKey,
    id: `mini/${obligationKey}/${cycleKey}/${unitId}`,
  });
  const ev = (b: ReturnType<typeof base>, suffix: string, rest: Omit<LedgerEvent, 'id' | 'campaignId'>) => ({
    ...b,
    ...rest,
    id: `${b.id}:${suffix}`,
  });
  const planMech = base('branch-plan', 'once', 'b-mech-t1', 'c-mech', 'mobilise');
  const planInfo = base('branch-plan', 'once', 'b-info-t1', 'c-info', 'mobilise');
  const q2 = base('quarterly-report', '2010-Q2', 'b-mech-t1', 'c-mech', 'mobilise');
  const revInfo = base('quarterly-report.review', '2010-Q2:b-info-t1', 'c-info', 'c-info', 'mobilise');
  const revMech = base('quarterly-report.review', '2010-Q2:b-mech-t1', 'c-mech', 'c-mech', 'mobilise');
  const planDue = '2010-06-25T15:59:59.000Z';
  const reviewDue = '2010-07-05T15:59:59.000Z';
  return [
    // Two orders on the missing branch plans: b-mech-t1's still running, b-info-t1's overdue.
    ev(planMech, 'rectification', {
      kind: 'rectification-ordered',
      at: '2010-07-05T00:30:00.000Z',
      step: 'rectification',
      dueAt: planDue,
      data: { deadline: '2010-10-15T15:59:59.000Z' },
    }),
    ev(planInfo, 'rectification', {
      kind: 'rectification-ordered',
      at: '2010-07-05T00:30:00.000Z',
      step: 'rectification',
      dueAt: planDue,
      data: { deadline: '2010-09-15T15:59:59.000Z' },
    }),
    // b-mech-t1's Q2 report: ordered, then handed in late with an attachment, and closed.
    ev(q2, 'opened', { kind: 'deadline-opened', at: '2010-06-05T15:59:59.000Z', dueAt: planDue }),
    ev(q2, 'rectification', {
      kind: 'rectification-ordered',
      at: '2010-07-05T00:30:00.000Z',
      step: 'rectification',
      dueAt: planDue,
      data: { deadline: '2010-07-20T15:59:59.000Z' },
    }),
    ev(q2, 'submission', {
      kind: 'submission',
      at: '2010-07-18T02:00:00.000Z',
      dueAt: planDue,
      lateMs: Date.parse('2010-07-18T02:00:00.000Z') - Date.parse(planDue),
      actor: 'zhang.wei@example.org',
      data: { text: '二季度汇报（整改）', attachments: [ATTACHMENT] },
    }),
    ev(q2, 'closed', { kind: 'deadline-closed', at: '2010-07-18T02:00:00.000Z', data: { outcome: 'late' } }),
    // Both committees reviewed their branch's Q2 report three days late.
    ...[revInfo, revMech].flatMap((r) => [
      ev(r, 'opened', { kind: 'deadline-opened', at: '2010-06-25T15:59:59.000Z', dueAt: reviewDue }),
      ev(r, 'comment', {
        kind: 'review-comment',
        at: '2010-07-08T15:59:59.000Z',
        dueAt: reviewDue,
        lateMs: 3 * DAY,
        data: { text: '已阅', reviewedUnit: r.cycleKey.split(':')[1] },
      }),
    ]),
  ];
}

describe('the console’s pages with data, each person’s part of them', () => {
  let h: WebHarness;
  let frozen: FastifyInstance;
  let frozenLedger: SqlLedger;
  const cookies = new Map<string, string>();
  beforeAll(async () => {
    h = await startWebHarness({ from: '2010-09-28T10:00' });
    // The ladder's first step of the Q3 reports (two days after the due day) is in the ledger.
    await eventually('Q3 escalations recorded', async () =>
      (await h.ledger.events({ campaignId: 'mini', kinds: ['escalated'] })).length >= 4 ? true : undefined,
    );
    expect(await h.ledger.recordMany(facts())).toBe(facts().length);
    // The engine goes on catching up on the branch plans' ladders (due in June) for a few seconds
    // more, up to orders of its own that close them. The pages are read from a copy of the ledger
    // taken now, so that every test reads this moment of the campaign however long the tests
    // before it took (the steering test, last, reads the live one).
    const copy = path.join(h.dir, 'ledger-now.sqlite');
    const live = new Database(h.config.LEDGER_URL.slice('sqlite:'.length), { readonly: true });
    try {
      await live.backup(copy);
    } finally {
      live.close();
    }
    frozenLedger = await openSqlLedger(`sqlite:${copy}`);
    frozen = await buildServer({ ...h.deps, ledger: frozenLedger });
    // The moment the tests describe: the two branch plans without an order not yet escalated to the office.
    const plans = await frozenLedger.deadlineRows({ campaignId: 'mini', obligationKey: 'branch-plan' });
    expect(
      plans
        .filter((r) => r.highestEscalation >= 3)
        .map((r) => r.unitId)
        .sort(),
    ).toEqual(['b-info-t1', 'b-mech-t1']);
    for (const email of ['zhang.wei@example.org', 'li.mech@example.org']) {
      const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn(email)))!;
      cookies.set(email, `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}`);
    }
  });
  afterAll(async () => {
    await frozen?.close();
    await frozenLedger?.close();
    await h?.stop();
  });

  /** A page as the ledger stood when the facts were recorded. */
  const get = (url: string, headers: Record<string, string> = office) => frozen.inject({ method: 'GET', url, headers });
  /** A page as the ledger stands now (after the office's steering). */
  const getLive = (url: string, headers: Record<string, string> = office) =>
    h.app.inject({ method: 'GET', url, headers });
  const as = (email: string) => ({ cookie: cookies.get(email)! });
  const branch = () => as('zhang.wei@example.org');
  const committee = () => as('li.mech@example.org');
  /** Whitespace as one space, and none before a tag's end (the HTML is pretty-printed). */
  const flat = (s: string): string => s.replace(/\s+/g, ' ').replace(/ >/g, '>');
  /** A dashboard section's text, by its heading id. */
  const section = (page: string, id: string): string =>
    flat(new RegExp(`<section class="card" aria-labelledby="${id}">([\\s\\S]*?)</section>`).exec(page)![1]!);
  /** The unit ids in a CSV's "单位编号"-like columns: every cell shaped like one of the mini org's units. */
  const unitIdsIn = (text: string): string[] => [...new Set(text.match(/\b(?:b|c)-(?:mech|info)(?:-[ts]1)?\b/g))];
  /** Every unit id in a workbook's cells, sheet by sheet. */
  async function workbookUnits(raw: Buffer): Promise<Record<string, string[]>> {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(raw as unknown as ArrayBuffer);
    const out: Record<string, string[]> = {};
    for (const ws of wb.worksheets) {
      const ids = new Set<string>();
      ws.eachRow((row, n) => {
        if (n > 2) row.eachCell((cell) => unitIdsIn(cell.text).forEach((u) => ids.add(u)));
      });
      out[ws.name] = [...ids].sort();
    }
    return out;
  }
  /** The heatmap's rows (unit ids) and cells (class, cycle/unit link), as served. */
  function heatmapOf(body: string): { units: string[]; cycles: string[]; cells: Record<string, string> } {
    const table = /<table class="heatmap" id="heatmap">[\s\S]*<\/table>/.exec(body)![0];
    const units = [...table.matchAll(/<tr><th scope="row"><a href="\.\.\/\.\.\/u\/([^"]+)">/g)].map((m) => m[1]!);
    const cycles = [...table.matchAll(/<th scope="col">([^<]+)<\/th>/g)].map((m) => m[1]!).slice(1);
    const cells = Object.fromEntries(
      [...table.matchAll(/<td class="(h[a-z])"><a href="([^"]+)"/g)].map((m) => [m[2]!, m[1]!]),
    );
    return { units, cycles, cells };
  }

  it('gives a branch secretary only that branch in every download, a committee secretary only that committee', async () => {
    // The office's lagging list names every branch: the data a leak would show is there.
    const all = await get('/console/mini/reports/lagging.csv');
    expect(
      unitIdsIn(all.body)
        .filter((u) => u.startsWith('b-'))
        .sort(),
    ).toEqual(BRANCHES);

    for (const report of ['lagging', 'ranking', 'rectifications']) {
      const csv = await get(`/console/mini/reports/${report}.csv`, branch());
      expect(csv.statusCode).toBe(200);
      expect({ report, units: unitIdsIn(csv.body) }).toEqual({ report, units: ['b-mech-t1'] });
      const xlsx = await get(`/console/mini/reports/${report}.xlsx`, branch());
      expect({ report, units: Object.values(await workbookUnits(xlsx.rawPayload)).flat() }).toEqual({
        report,
        units: ['b-mech-t1'],
      });
    }
    // A branch reviews nobody: the late reviews (the office's list has two) are not its own.
    expect(unitIdsIn((await get('/console/mini/reports/reviewers.csv')).body).sort()).toEqual([
      'b-info-t1',
      'b-mech-t1',
      'c-info',
      'c-mech',
    ]);
    expect(unitIdsIn((await get('/console/mini/reports/reviewers.csv', branch())).body)).toEqual([]);

    const workbook = await get('/console/mini/audit.xlsx', branch());
    expect(workbook.statusCode).toBe(200);
    expect(await workbookUnits(workbook.rawPayload)).toEqual({
      '迟交、未交单位统计（报送）': ['b-mech-t1'],
      滞后支部排名: ['b-mech-t1'],
      '领导点评迟交、未交明细': [],
      未完成的限期整改: ['b-mech-t1'],
    });
    // The grading reports are read per committee: refused to a branch, not widened to the university.
    expect((await get('/console/mini/reports/grade-distribution.csv', branch())).statusCode).toBe(403);

    const mech = await workbookUnits((await get('/console/mini/audit.xlsx', committee())).rawPayload);
    expect(mech['迟交、未交单位统计（报送）']).toEqual(['b-mech-s1', 'b-mech-t1']);
    expect(mech['领导点评迟交、未交明细']).toEqual(['b-mech-t1', 'c-mech']);
    expect(mech['未完成的限期整改']).toEqual(['b-mech-t1']);
  });

  it('gives a branch secretary only that branch on the dashboard, the campaigns page and the heatmap', async () => {
    const dash = await get('/console/mini?period=all', branch());
    expect(dash.statusCode).toBe(200);
    const rect = section(dash.body, 'h-rect');
    expect(rect).toContain('机械学院教工第一党支部');
    expect(rect).not.toContain('信息学院');
    expect(section(dash.body, 'h-rev')).toMatch(/<p>无<\/p>/);
    const ranking = section(dash.body, 'h-rank');
    expect(ranking).toContain('机械学院教工第一党支部');
    expect(ranking).not.toMatch(/本科生|信息学院/);
    // Its two open deadlines: the branch plan under an order (red), the Q3 report overdue (yellow).
    expect(section(dash.body, 'h-counts')).toMatch(
      /绿色（正常）<\/span> <strong>0<\/strong>.*黄色（已逾期）<\/span> <strong>1<\/strong>.*红色（已督办\/整改）<\/span> <strong>1<\/strong>.*× 未报送<\/span> <strong>2<\/strong>/,
    );
    const campaigns = flat((await get('/console', branch())).body);
    expect(campaigns).toMatch(
      /黄色（已逾期）<\/span> <strong>1<\/strong>.*红色（已督办\/整改）<\/span> <strong>1<\/strong>/,
    );

    const map = heatmapOf((await get('/console/mini/o/quarterly-report/', branch())).body);
    expect(map.units).toEqual(['b-mech-t1']);
    expect((await get('/console/mini/o/quarterly-report/?committee=c-info', branch())).statusCode).toBe(403);
  });

  it('filters the heatmap by committee, obligation, branch kind and phase', async () => {
    const map = async (q: string) => heatmapOf((await get(`/console/mini/o/${q}`)).body);
    const all = await map('quarterly-report/');
    expect(all.units.sort()).toEqual(BRANCHES);
    expect(all.cycles).toEqual(['2010-Q2', '2010-Q3']);
    // Q3 overdue on the first rung (yellow), b-mech-t1's Q2 handed in late under an order (red).
    expect(all.cells).toMatchObject({ '2010-Q3/b-info-s1': 'hy', '2010-Q2/b-mech-t1': 'hr' });

    const info = await map('quarterly-report/?committee=c-info');
    expect(info.units.sort()).toEqual(['b-info-s1', 'b-info-t1']);
    expect(Object.keys(info.cells).sort()).toEqual(['2010-Q3/b-info-s1', '2010-Q3/b-info-t1']);

    const students = await map('quarterly-report/?kind=%E5%AD%A6%E7%94%9F');
    expect(students.units.sort()).toEqual(['b-info-s1', 'b-mech-s1']);

    const mobilise = await map('quarterly-report/?phase=mobilise');
    expect(mobilise).toEqual({ units: ['b-mech-t1'], cycles: ['2010-Q2'], cells: { '2010-Q2/b-mech-t1': 'hr' } });
    const engage = await map('quarterly-report/?phase=engage');
    expect(engage.cycles).toEqual(['2010-Q3']);
    expect(engage.units.sort()).toEqual(BRANCHES);

    // The branch plans: the two under an order red, the other two yellow, all never handed in.
    const plans = await map('branch-plan/');
    expect(plans.cycles).toEqual(['once']);
    expect(plans.cells).toEqual({
      'once/b-info-s1': 'hy',
      'once/b-info-t1': 'hr',
      'once/b-mech-s1': 'hy',
      'once/b-mech-t1': 'hr',
    });
    // The obligation asked for by the query is the map's (the form's redirect to its page).
    const redirect = await get('/console/mini/heatmap?obligation=branch-plan&kind=%E6%95%99%E5%B7%A5');
    expect(redirect.headers.location).toBe('/console/mini/o/branch-plan/?kind=%E6%95%99%E5%B7%A5');
    const teachers = await map('branch-plan/?kind=%E6%95%99%E5%B7%A5');
    expect(teachers.units.sort()).toEqual(['b-info-t1', 'b-mech-t1']);
  });

  it('lists every campaign with its plan, organisation, current phase, colour counts and next instant', async () => {
    const page = flat((await get('/console')).body);
    const row = /<tr> <th scope="row"><a href="\/console\/mini">创先争优测试活动<\/a><\/th>(.*?)<\/tr>/.exec(page)![1]!;
    const cells = [...row.matchAll(/<td[^>]*>(.*?)<\/td>/g)].map((m) => m[1]!.trim());
    expect(cells[0]).toBe('创先争优测试活动 <code>mini</code>');
    expect(cells[1]).toBe('校党委组织部（创先争优活动领导小组办公室）');
    expect(cells[2]).toBe('7');
    expect(cells[3]).toBe('全面争创');
    // Open: 4 branch plans (2 under an order), 4 Q3 reports overdue, 4 Q3 reviews not yet due.
    const counts = [...cells[4]!.matchAll(/<strong>(\d+)<\/strong>/g)].map((m) => Number(m[1]));
    expect(counts).toEqual([4, 0, 6, 2, 0, 8]);
    // The campaign's next wake-up: the Q4 report opens.
    expect(cells[5]).toBe('2010年12月6日（星期一）23:59');
    expect(Date.parse((await h.campaigns.status('mini')).nextAt!)).toBe(Date.parse('2010-12-06T23:59:59+08:00'));
  });

  it('shows the orders and late reviews with their due instants, the counts, the timeline and every period’s ranking', async () => {
    const dash = (await get('/console/mini')).body;
    const rect = section(dash, 'h-rect');
    expect(rect).toMatch(
      /信息学院教工党支部<\/a> · 支部实施方案 once · 整改期限 2010年9月15日（星期三）23:59 <strong class="late">已逾期<\/strong>/,
    );
    expect(rect).toMatch(
      /机械学院教工第一党支部<\/a> · 支部实施方案 once · 整改期限 2010年10月15日（星期五）23:59 <\/li>/,
    );
    const rev = section(dash, 'h-rev');
    expect(rev).toContain(
      '信息学院党总支 → 信息学院教工党支部 · 季度工作汇报 2010-Q2 · 迟3天 (截止 2010年7月5日（星期一）23:59)',
    );
    expect(rev).toContain('机械工程学院党委 → 机械学院教工第一党支部 · 季度工作汇报 2010-Q2 · 迟3天');
    expect([...section(dash, 'h-counts').matchAll(/<strong>(\d+)<\/strong>/g)].map((m) => Number(m[1]))).toEqual([
      4, 0, 6, 2, 0, 8,
    ]);
    const timeline = section(dash, 'h-phases');
    expect(timeline).toMatch(/<li class="phase-past"> <strong>动员部署<\/strong> <span class="hint">已结束<\/span>/);
    expect(timeline).toMatch(/<li class="phase-current"> <strong>全面争创<\/strong> <span class="hint">进行中<\/span>/);
    expect(timeline).toMatch(/<li class="phase-future"> <strong>总结提高<\/strong> <span class="hint">未开始<\/span>/);

    /** The ranking's rows: branch, late, missing. */
    const ranking = async (period: string) => {
      const page = (await get(`/console/mini?period=${period}`)).body;
      expect(page).toContain(`<option value="${period}" selected>`);
      const table = /<table class="ranking">[\s\S]*?<\/table>/.exec(page)?.[0] ?? '';
      return [
        ...table.matchAll(/\/u\/([^"]+)">[^<]*<\/a><\/th>\s*<td>[^<]*<\/td>\s*<td>(\d+)<\/td>\s*<td>(\d+)<\/td>/g),
      ].map((m) => [m[1], Number(m[2]), Number(m[3])]);
    };
    // H1: the branch plans (due 25 June) and b-mech-t1's late Q2 report.
    expect(await ranking('2010-H1')).toEqual([
      ['b-mech-t1', 1, 1],
      ['b-info-s1', 0, 1],
      ['b-info-t1', 0, 1],
      ['b-mech-s1', 0, 1],
    ]);
    // H2: the Q3 reports only.
    expect(await ranking('2010-H2')).toEqual(BRANCHES.map((u) => [u, 0, 1]));
    // The year and the whole campaign: both halves.
    const year = [['b-mech-t1', 1, 2], ...BRANCHES.filter((u) => u !== 'b-mech-t1').map((u) => [u, 0, 2])];
    expect(await ranking('2010')).toEqual(year);
    expect(await ranking('all')).toEqual(year);
  });

  it('shows a unit’s deadlines, receipts with their attachment links, and every order with how it ended', async () => {
    const page = flat((await get('/console/mini/u/b-mech-t1')).body);
    const deadlines = section(page, 'h-deadlines');
    const rows = [
      ...deadlines.matchAll(/<tr> <td> <a href="([^"]+)">([^<]+)<\/a> <\/td> <td>([^<]+)<\/td> <td>([^<]+)<\/td>/g),
    ].map((m) => [m[1], m[2], m[3], m[4]]);
    expect(rows).toEqual([
      ['/console/mini/o/branch-plan/once/b-mech-t1', '支部实施方案', 'once', '2010年6月25日（星期五）23:59'],
      ['/console/mini/o/quarterly-report/2010-Q2/b-mech-t1', '季度工作汇报', '2010-Q2', '2010年6月25日（星期五）23:59'],
      ['/console/mini/o/quarterly-report/2010-Q3/b-mech-t1', '季度工作汇报', '2010-Q3', '2010年9月25日（星期六）23:59'],
    ]);
    const receipts = section(page, 'h-receipts');
    expect(receipts).toMatch(
      /季度工作汇报 2010-Q2 · 2010年7月18日（星期日）10:00 · 迟22天10小时 · 回执号 <span class="receipt-no">[^<]+<\/span>/,
    );
    const href = /<a href="(\/s\/[^"]+\/a\/[0-9a-f]{64})">附件/.exec(receipts)?.[1];
    expect(href).toMatch(new RegExp(`/a/${ATTACHMENT.slice(7)}$`));
    // The link is one the service signed, for the submission's own deadline.
    const token = /^\/s\/([^/]+)\/a\//.exec(href!)![1]!;
    expect(verifyLink(TEST_LINK_SECRET, token)).toMatchObject({
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q2',
      unitId: 'b-mech-t1',
      purpose: 'submit',
    });
    const orders = section(page, 'h-orders');
    expect(orders).toMatch(
      /<li data-state="answered"> 季度工作汇报 2010-Q2 · 原截止 2010年6月25日（星期五）23:59 · 整改期限 2010年7月20日（星期二）23:59 · 已整改：报送于 2010年7月18日（星期日）10:00 <\/li>/,
    );
    expect(orders).toMatch(
      /<li data-state="open"> 支部实施方案 once · 原截止 .* · 整改期限 2010年10月15日（星期五）23:59 · 整改中 <\/li>/,
    );
    // The lateness chart names obligations by their titles.
    expect(page).toMatch(/<title> 支部实施方案 once: 未交 <\/title>/);
    expect(page).not.toMatch(/<title>\s*branch-plan/);
  });

  it('links the outbox only where MAIL_URL is an outbox', async () => {
    expect((await get('/console')).body).not.toContain('href="/console/outbox"');
    const withOutbox = await buildServer({ ...h.deps, config: { ...h.config, MAIL_URL: `outbox:${h.dir}/outbox` } });
    try {
      const res = await withOutbox.inject({ method: 'GET', url: '/console', headers: office });
      expect(res.body).toContain('href="/console/outbox"');
    } finally {
      await withOutbox.close();
    }
  });

  /** Posts an office form, with the CSRF token and cookie of a form page (its own, or `from` when it has none). */
  const officePost = (url: string, fields: Record<string, string>, from = url) =>
    formPost(h, url, fields, office, from);
  /** The page a steering form lands on, with the cookie it set: what it says was done. */
  async function landing(res: Awaited<ReturnType<typeof officePost>>): Promise<string> {
    expect(res.statusCode).toBe(303);
    const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []).find((c) => c.startsWith('steered='));
    expect(set).toBeDefined();
    return flat((await getLive(res.headers.location!, { ...office, cookie: set!.split(';')[0]! })).body);
  }

  it('extends a whole cycle and waives a whole committee, saying how many units changed; refuses an empty one in words', async () => {
    const base = '/console/mini/o/quarterly-report/2010-Q3';
    const ext = await officePost(`${base}/b-mech-s1/extend`, {
      scope: 'cycle',
      newDueAt: '2010-10-20T17:00',
      reason: '国庆假期，本季度统一延期',
      confirm: 'yes',
    });
    const page = await landing(ext);
    expect(page).toMatch(/延期：<strong id="steered-changed">4<\/strong> 个单位/);
    expect(page).toMatch(/跳过 <strong id="steered-skipped">0<\/strong>/);
    for (const unit of BRANCHES)
      expect((await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', unit)).dueAt).toBe(
        '2010-10-20T09:00:00.000Z',
      );
    const extended = await h.ledger.events({ campaignId: 'mini', kinds: ['extension'] });
    expect(extended.map((e) => e.unitId).sort()).toEqual(BRANCHES);

    const waive = await officePost(`${base}/b-info-t1/waive`, {
      scope: 'committee',
      reason: '信息学院党总支改组，本季度免报',
      confirm: 'yes',
    });
    expect(await landing(waive)).toMatch(
      /免报：<strong id="steered-changed">2<\/strong> 个单位（(?:信息学院教工党支部、信息学院研究生党支部|信息学院研究生党支部、信息学院教工党支部)）/,
    );
    const waived = await h.ledger.events({ campaignId: 'mini', kinds: ['waiver'] });
    expect(waived.map((e) => e.unitId).sort()).toEqual(['b-info-s1', 'b-info-t1']);
    // The mechanical committee's are untouched.
    expect((await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1')).state).not.toBe(
      'closed',
    );

    // Again, once the engine's list no longer holds them: nothing left to waive, and it says so.
    const again = await eventually('the committee’s list empty', async () => {
      // The closed deadline has no form page any more: the token of an open one's.
      const res = await officePost(
        `${base}/b-info-t1/waive`,
        { scope: 'committee', reason: '重复提交', confirm: 'yes' },
        `${base}/b-mech-t1/waive`,
      );
      return res.statusCode === 409 ? res : undefined;
    });
    expect(again.body).toContain('该党委在本周期已没有未交的单位，未作任何更改。');
    expect(await h.ledger.events({ campaignId: 'mini', kinds: ['waiver'] })).toHaveLength(2);
  });
});

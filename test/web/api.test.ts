/**
 * The office's JSON API end to end, through fastify.inject against the real engine (dev server,
 * worker process) and the real ledger, with the office's API token: the deadline list under each
 * of the CLI's filters (the same answer as the CLI's own client), extend (the due instant moves in
 * Temporal and in the ledger), waive, every audit report (the same records as `audit --json`),
 * then advance (the next phase starts and is announced by mail) and end-phase.
 */
import { readFile } from 'node:fs/promises';
import { WorkflowNotFoundError } from '@temporalio/client';
import { runCli } from '../helpers/processes';
import { forgetCampaign } from '../helpers/forget-campaign';
import { eventually, PLAN, startWebHarness, TEST_API_TOKEN, type WebHarness } from '../helpers/web';
import { REPORTS } from '../../ledger/report';
import { GRADE_REPORTS } from '../../ledger/grade-reports';

const BRANCHES = ['b-info-s1', 'b-info-t1', 'b-mech-s1', 'b-mech-t1'];

describe('the JSON API for the office on the dev server', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness();
    // The campaign starts in the engage phase: the branch plans, due in June, open overdue and
    // run their whole ladder at once (escalations, rectification, closing), writing to the ledger
    // for a few seconds. Every test here compares two reads, so they start once that has settled:
    // the four branch plans closed in the ledger, and only the four Q3 deadlines open. Neither
    // alone will do: in one CI run four rows were seen while the branch plans were still listed,
    // and in another the four Q3 rows were listed before the branch plans had even started.
    await eventually('the branch plans closed and only the four Q3 deadlines open', async () => {
      const plans = await h.ledger.deadlineRows({ campaignId: 'mini', obligationKey: 'branch-plan' });
      if (plans.length !== 4 || plans.some((p) => p.closedOutcome === null)) return undefined;
      const rows = (await get('/deadlines')).json<{ obligationKey: string; cycleKey: string }[]>();
      const q3Only = rows.every((r) => r.obligationKey === 'quarterly-report' && r.cycleKey === '2010-Q3');
      return rows.length === 4 && q3Only ? rows : undefined;
    });
  });
  afterAll(async () => {
    await h?.stop();
  });

  const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
  const get = (url: string) => h.app.inject({ method: 'GET', url: `/api/v1/campaigns/mini${url}`, headers: office });
  const post = (url: string, payload: object) =>
    h.app.inject({ method: 'POST', url: `/api/v1/campaigns/mini${url}`, payload, headers: office });
  const units = (rows: { unitId: string }[]) => rows.map((r) => r.unitId).sort();
  const q3 = '/deadlines/quarterly-report/2010-Q3';

  it('lists open deadlines under each of the CLI’s filters, as the CLI’s client does', async () => {
    const filters: [string, Record<string, string>, string[]][] = [
      ['', {}, BRANCHES],
      ['?committee=c-mech', { committee: 'c-mech' }, ['b-mech-s1', 'b-mech-t1']],
      ['?obligation=quarterly-report', { obligation: 'quarterly-report' }, BRANCHES],
      ['?obligation=summary-report', { obligation: 'summary-report' }, []],
      ['?cycle=2010-Q3', { cycle: '2010-Q3' }, BRANCHES],
      ['?cycle=2010-Q4', { cycle: '2010-Q4' }, []],
      ['?unit=b-info-t1', { unit: 'b-info-t1' }, ['b-info-t1']],
      [
        '?committee=c-info&cycle=2010-Q3&obligation=quarterly-report',
        { committee: 'c-info' },
        ['b-info-s1', 'b-info-t1'],
      ],
    ];
    for (const [query, filter, expected] of filters) {
      const res = await get(`/deadlines${query}`);
      expect(res.statusCode).toBe(200);
      const rows = res.json<{ unitId: string; deadlineId: string }[]>();
      expect(units(rows)).toEqual(expected);
      expect(rows.map((r) => r.deadlineId)).toEqual((await h.campaigns.list('mini', filter)).map((r) => r.deadlineId));
    }
    // By state: each state's list holds exactly the deadlines in that state, and together all four.
    const all = (await get('/deadlines')).json<{ unitId: string; state: string }[]>();
    const byState: string[] = [];
    for (const state of ['green', 'blue', 'yellow', 'red']) {
      const rows = (await get(`/deadlines?state=${state}`)).json<{ unitId: string; state: string }[]>();
      expect(rows.every((r) => r.state === state)).toBe(true);
      expect(units(rows)).toEqual(units(all.filter((r) => r.state === state)));
      byState.push(...rows.map((r) => r.unitId));
    }
    expect(byState.sort()).toEqual(BRANCHES);
    const bad = await get('/deadlines?state=purple');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: 'query.state' }] });
  });

  it('extends a deadline: the due instant moves in Temporal’s status and in the ledger', async () => {
    const before = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-s1');
    expect(before.dueAt.slice(0, 10)).toMatch(/^2010-09-2[45]$/);
    const res = await post(`${q3}/b-mech-s1/extend`, { newDueAt: '2010-10-08T17:00:00+08:00', reason: '国庆假期顺延' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ unitId: 'b-mech-s1', dueAt: '2010-10-08T09:00:00.000Z', extensions: 1 });
    const after = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-s1');
    expect(after.dueAt).toBe('2010-10-08T09:00:00.000Z');
    expect(after.extensions).toBe(1);
    const rows = await h.ledger.events({ campaignId: 'mini', kinds: ['extension'], unitId: 'b-mech-s1' });
    expect(rows).toHaveLength(1);
    expect(rows[0]!.data).toMatchObject({ previousDueAt: before.dueAt, newDueAt: '2010-10-08T09:00:00.000Z' });
    expect(rows[0]!.actor).toBe('api-token');
    const missing = await post(`${q3}/b-mech-s1/extend`, { reason: 'x' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ errors: [{ field: 'body.newDueAt' }] });
  });

  it('waives a deadline: closed as waived in Temporal, one waiver in the ledger', async () => {
    const res = await post(`${q3}/b-info-s1/waive`, { reason: '支部撤并' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ unitId: 'b-info-s1', state: 'closed', outcome: 'waived' });
    const again = await post(`${q3}/b-info-s1/waive`, { reason: '支部撤并' });
    expect(again.statusCode).toBe(409);
    expect(again.headers['content-type']).toMatch(/application\/problem\+json/);
    const rows = await h.ledger.events({ campaignId: 'mini', kinds: ['waiver'], unitId: 'b-info-s1' });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor: 'api-token', reason: '支部撤并' });
  });

  it('serves every audit report with the records `audit --json` prints for the same campaign', async () => {
    // A late submission, so that the reports have something in them besides the missing.
    const submit = await post(`${q3}/b-mech-t1/submit`, { text: '三季度汇报' });
    expect(submit.statusCode).toBe(200);
    const asOf = '2010-12-31T16:00:00.000Z';
    const cli = async (args: string[]) => {
      const r = await runCli([
        'audit',
        '--campaign',
        'mini',
        '--ledger',
        h.config.LEDGER_URL,
        '--as-of',
        asOf,
        '--json',
        ...args,
      ]);
      if (r.code !== 0) throw new Error(`audit failed (${r.code}): ${r.stderr}`);
      return JSON.parse(r.stdout) as Record<string, unknown>;
    };
    const all = await cli([]);
    const unit = await cli(['--unit', 'b-mech-s1']);
    for (const report of REPORTS) {
      const query = report === 'unit' ? `?unit=b-mech-s1&asOf=${asOf}` : `?asOf=${asOf}`;
      const res = await get(`/audit/${report}${query}`);
      expect(res.statusCode).toBe(200);
      const records = res.json<{ name: string; records: unknown[] }>().records;
      // The grading reports are not in `audit`'s default set: asked one by one.
      const expected = (GRADE_REPORTS as readonly string[]).includes(report)
        ? (await cli(['--report', report]))[report]
        : (report === 'unit' ? unit : all)[report];
      expect({ report, records }).toEqual({ report, records: expected });
    }
    // Not empty: the missing Q3 reports and the unit's extension are in them.
    const lagging = all.lagging as { unitId: string; missing: number }[];
    expect(lagging.filter((l) => l.missing > 0).map((l) => l.unitId)).toEqual(
      expect.arrayContaining(['b-info-t1', 'b-mech-s1']),
    );
    expect(JSON.stringify(unit.unit)).toContain('extension');
    const bad = await get('/audit/gossip');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: 'params.report' }] });
  });

  it('previews a phase change as the console does, changing nothing', async () => {
    const res = await get('/phase-preview?action=advance');
    expect(res.statusCode).toBe(200);
    const pv = res.json<{ phaseKey: string; action: string; announcements: number; refusal?: string }>();
    expect(pv).toMatchObject({ phaseKey: 'summary', action: 'advance' });
    expect(pv.refusal).toBeUndefined();
    expect(pv.announcements).toBeGreaterThan(0);
    const end = (await get('/phase-preview?action=end-phase')).json();
    expect(end).toMatchObject({ phaseKey: 'engage', action: 'end' });
    expect((await get('')).json()).toMatchObject({ currentPhase: 'engage' });
    const bad = await get('/phase-preview?action=jump');
    expect(bad.statusCode).toBe(400);
    expect(bad.json()).toMatchObject({ errors: [{ field: 'query.action' }] });
    const unknown = await h.app.inject({
      method: 'GET',
      url: '/api/v1/campaigns/no-such/phase-preview?action=advance',
      headers: office,
    });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ errors: [{ field: 'params.campaignId' }] });
  });

  it('advances to the next phase (announced by mail), then ends it', async () => {
    const res = await post('/advance', { reason: '提前进入总结提高阶段' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ phaseKey: 'summary', action: 'started' });
    expect((await get('')).json()).toMatchObject({ currentPhase: 'summary' });
    const advanced = await h.ledger.events({ campaignId: 'mini', kinds: ['phase-advanced'] });
    expect(advanced).toHaveLength(1);
    expect(advanced[0]).toMatchObject({ phaseKey: 'summary', actor: 'api-token', reason: '提前进入总结提高阶段' });
    // Every committee and branch with an address is told (a branch's liaison, where it has one); the office is not.
    const told = ['li.mech', 'zhao.info', 'liu.yang', 'chen.jing', 'yang.fan'].map((n) => `${n}@example.org`);
    const announced = await eventually('the announcement to every unit', () => {
      const to = h.smtp.received
        .filter((r) => /进入「总结提高」阶段/.test(r.mail.subject ?? ''))
        .flatMap((r) => r.envelopeTo);
      return told.every((a) => to.includes(a)) ? to : undefined;
    });
    expect(announced).not.toContain('office@example.org');

    const wrong = await post('/end-phase', { phaseKey: 'engage', reason: 'x' });
    expect(wrong.statusCode).toBe(409);
    expect(wrong.headers['content-type']).toMatch(/application\/problem\+json/);
    const end = await post('/end-phase', { phaseKey: 'summary', reason: '活动结束' });
    expect(end.statusCode).toBe(200);
    expect(end.json()).toMatchObject({ phaseKey: 'summary', action: 'ended' });
    const ended = await h.ledger.events({ campaignId: 'mini', kinds: ['phase-advanced'] });
    expect(ended.map((e) => e.phaseKey)).toEqual(['summary', 'summary']);
  });

  it('starts a campaign from plan text, with every issue of a bad plan named, and one campaign per id', async () => {
    const text = (await readFile(PLAN, 'utf8')).replace(/^id: mini$/m, 'id: mini-api');
    const start = (payload: object) =>
      h.app.inject({ method: 'POST', url: '/api/v1/campaigns', payload, headers: office });
    const bad = await start({ plan: text.replace("start: '2010-06-01'", "start: '2010-02-30'") });
    expect(bad.statusCode).toBe(400);
    const problem = bad.json<{ errors: { field: string; message: string }[] }>();
    expect(problem.errors).toContainEqual({
      field: 'body.plan.phases[0].start',
      message: expect.stringMatching(/^\d+:\d+ /),
    });
    const res = await start({ plan: text, rehearseSpeed: 1 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ campaignId: 'mini-api', workflowId: 'campaign/mini-api' });
    expect((await h.campaigns.status('mini-api')).title).toBe('创先争优测试活动');
    const again = await start({ plan: text });
    expect(again.statusCode).toBe(409);
    expect(again.json()).toMatchObject({ errors: [{ field: 'body.plan.id' }] });
    // Its status says who started it (the office's shared token here) and how; the refused second start is not a start.
    const status = await h.app.inject({ method: 'GET', url: '/api/v1/campaigns/mini-api', headers: office });
    expect(status.statusCode).toBe(200);
    const { runId } = await h.campaigns.campaign('mini-api').describe();
    expect(status.json().started).toEqual({
      campaignId: 'mini-api',
      at: expect.stringMatching(/^2010-05-30T16:0/),
      recordedAt: expect.any(String),
      by: 'api-token',
      via: 'api',
      runId,
      rehearsalScale: 1,
    });
    expect(await h.ledger.events({ campaignId: 'mini-api', kinds: ['campaign-started'] })).toHaveLength(1);
    // An id whose history the ledger keeps, though the engine no longer holds its campaign, is not reused.
    await h.ledger.upsertUnits([
      { campaignId: 'mini-gone', unitId: 'b-mech-t1', name: '机械学院教工第一党支部', level: 'branch' },
    ]);
    const gone = await start({ plan: text.replace('id: mini-api', 'id: mini-gone') });
    expect(gone.statusCode).toBe(409);
    expect(gone.json()).toMatchObject({ errors: [{ field: 'body.plan.id' }] });
    expect(gone.json<{ errors: { message: string }[] }>().errors[0]!.message).toContain(
      'the ledger holds a campaign with id "mini-gone"',
    );
    await expect(h.campaigns.campaign('mini-gone').describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);

    // Once the engine no longer holds mini-api (past its retention; deleted here), its status is a
    // 404 that says the ledger keeps its history, who started it, and where to read it.
    await forgetCampaign(h.campaigns.client, 'mini-api');
    const forgotten = await eventually('the status of a campaign the engine forgot', async () => {
      const res = await h.app.inject({ method: 'GET', url: '/api/v1/campaigns/mini-api', headers: office });
      return res.statusCode === 404 ? res.json<{ errors: { field: string; message: string }[] }>() : undefined;
    });
    expect(forgotten.errors).toEqual([
      {
        field: 'campaignId',
        message: expect.stringMatching(
          /^活动 "mini-api" 已不在引擎中（已结束并过了保存期限，或已被删除）；台帐保存着它的记录（api-token 于 \d{4}年\d+月\d+日（星期[一二三四五六日]）\d\d:\d\d 发起）：GET \/api\/v1\/campaigns\/mini-api\/audit\/lagging$/,
        ),
      },
    ]);
    const audit = await h.app.inject({
      method: 'GET',
      url: '/api/v1/campaigns/mini-api/audit/lagging',
      headers: office,
    });
    expect(audit.statusCode).toBe(200);
    // A campaign neither holds is the plain 404.
    const none = await h.app.inject({ method: 'GET', url: '/api/v1/campaigns/no-such', headers: office });
    expect(none.statusCode).toBe(404);
    expect(none.body).not.toContain('台帐保存着');
  });
});

/**
 * Sign-in, roles and the JSON API through fastify.inject against the real engine and ledger:
 * the magic link (same answer for unknown addresses, 15 minutes, once, cookie flags), "my open
 * deadlines" by role, a table of every role × every other unit's resource answered 403 with
 * nothing changed, problem+json naming the field, the office's API token, the OpenAPI document.
 */
import type { LightMyRequestResponse } from 'fastify';
import { eventually, startWebHarness, TEST_API_TOKEN, type WebHarness } from '../helpers/web';
import { verifyLink } from '../../web/links';

const UNITS = ['office', 'c-mech', 'c-info', 'b-mech-t1', 'b-mech-s1', 'b-info-t1', 'b-info-s1'];
const ROLES = [
  { email: 'li.mech@example.org', role: 'committee', sees: ['c-mech', 'b-mech-t1', 'b-mech-s1'] },
  { email: 'zhao.info@example.org', role: 'committee', sees: ['c-info', 'b-info-t1', 'b-info-s1'] },
  { email: 'zhang.wei@example.org', role: 'branch', sees: ['b-mech-t1'] },
  { email: 'yang.fan@example.org', role: 'branch', sees: ['b-info-t1'] },
];

describe('sign-in, roles and the API on the dev server', () => {
  let h: WebHarness;
  const sessions = new Map<string, string>();
  beforeAll(async () => {
    h = await startWebHarness();
  });
  afterAll(async () => {
    await h?.stop();
  });

  const form = async (url: string, cookie = '') => {
    const res = await h.app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });
    const csrf = /name="_csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? '';
    const set = ([] as string[]).concat(res.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]);
    return { res, csrf, cookie: [cookie, ...set].filter(Boolean).join('; ') };
  };
  const postForm = async (url: string, fields: Record<string, string>, cookie: string, remoteAddress = '127.0.0.1') => {
    const boundary = '----access-test';
    const body = Object.entries(fields)
      .map(([k, v]) => `--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`)
      .join('');
    return h.app.inject({
      method: 'POST',
      url,
      payload: `${body}--${boundary}--\r\n`,
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}`, cookie },
      remoteAddress,
    });
  };

  /** Each person from an address of their own: /login allows 5 posts a minute per address. */
  async function signIn(email: string, ip: string): Promise<string> {
    const before = h.smtp.received.length;
    const f = await form('/login');
    const res = await postForm('/login', { _csrf: f.csrf, email }, f.cookie, ip);
    expect(res.statusCode).toBe(200);
    const mail = await eventually('sign-in mail', () =>
      h.smtp.received.slice(before).find((r) => r.envelopeTo.includes(email) && /登录链接/.test(r.mail.subject ?? '')),
    );
    const url = /http:\/\/\S+\/login\/([A-Za-z0-9_-]+)/.exec(mail.mail.text ?? '')!;
    const confirm = await form(`/login/${url[1]}`);
    const done = await postForm(`/login/${url[1]}`, { _csrf: confirm.csrf }, confirm.cookie, ip);
    expect(done.statusCode).toBe(303);
    const sid = ([] as string[]).concat(done.headers['set-cookie'] ?? []).find((c) => c.startsWith('sid='))!;
    expect(sid).toMatch(/HttpOnly/);
    expect(sid).toMatch(/SameSite=Lax/);
    // Used once: the same link again is refused.
    expect((await postForm(`/login/${url[1]}`, { _csrf: confirm.csrf }, confirm.cookie, ip)).statusCode).toBe(403);
    return sid.split(';')[0]!;
  }

  it('signs a known address in by mail, and answers an unknown one the same', async () => {
    const f = await form('/login');
    const known = await postForm('/login', { _csrf: f.csrf, email: 'zhang.wei@example.org' }, f.cookie);
    const f2 = await form('/login');
    const unknown = await postForm('/login', { _csrf: f2.csrf, email: 'stranger@example.org' }, f2.cookie);
    expect(unknown.statusCode).toBe(known.statusCode);
    expect(unknown.body).toBe(known.body);
    await new Promise((r) => setTimeout(r, 500));
    expect(h.smtp.received.some((r) => r.envelopeTo.includes('stranger@example.org'))).toBe(false);
    const noCsrf = await postForm('/login', { email: 'zhang.wei@example.org' }, '');
    expect(noCsrf.statusCode).toBe(403);

    for (const [i, r] of ROLES.entries()) sessions.set(r.email, await signIn(r.email, `10.0.0.${i + 1}`));
    // The sixth post to /login within a minute from one address waits.
    const codes: number[] = [];
    for (let i = 0; i < 3; i++)
      codes.push((await postForm('/login', { _csrf: f.csrf, email: 'x@example.org' }, f.cookie)).statusCode);
    expect(codes).toEqual([200, 200, 429]);
    const me = await h.app.inject({
      method: 'GET',
      url: '/me',
      headers: { cookie: sessions.get('li.mech@example.org')! },
    });
    expect(me.statusCode).toBe(200);
    expect(me.body).toContain('机械学院教工第一党支部');
    expect(me.body).not.toContain('信息学院教工党支部');
    // Each deadline by its title as the plan names it, with its cycle; never the bare keys.
    expect(me.body).toMatch(/>季度工作汇报<\/a>\s*<span class="hint">2010-Q3</);
    expect(me.body).toMatch(/>支部实施方案<\/a>\s*<span class="hint"><\/span>/);
    expect(me.body).not.toContain('quarterly-report');
  });

  it('answers every role × every other unit’s resource with 403 and changes nothing', async () => {
    // What these routes could record (the engine records openings and mail meanwhile).
    const changes = { campaignId: 'mini', kinds: ['submission', 'review-comment', 'waiver', 'extension'] as const };
    const changed = async () => (await h.ledger.events({ ...changes, kinds: [...changes.kinds] })).length;
    const eventsBefore = await changed();
    const base = '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3';
    const routes = (unit: string) => [
      { method: 'GET' as const, url: `${base}/${unit}` },
      { method: 'POST' as const, url: `${base}/${unit}/submit`, payload: { text: 'x' } },
      { method: 'POST' as const, url: `${base}/${unit}/review`, payload: { text: 'x' } },
      { method: 'POST' as const, url: `${base}/${unit}/waive`, payload: { reason: 'x' } },
      {
        method: 'POST' as const,
        url: `${base}/${unit}/extend`,
        payload: { newDueAt: '2010-10-30T00:00:00Z', reason: 'x' },
      },
      { method: 'GET' as const, url: `/api/v1/campaigns/mini/deadlines?unit=${unit}` },
      { method: 'GET' as const, url: `/api/v1/campaigns/mini/audit/lagging?committee=${unit}` },
    ];
    const refused: string[] = [];
    let tried = 0;
    for (const r of ROLES) {
      for (const unit of UNITS.filter((u) => !r.sees.includes(u))) {
        for (const route of routes(unit)) {
          tried++;
          const res: LightMyRequestResponse = await h.app.inject({
            ...route,
            headers: { cookie: sessions.get(r.email)! },
          });
          if (res.statusCode !== 403) refused.push(`${r.email} ${route.method} ${route.url}: ${res.statusCode}`);
          else expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
        }
      }
    }
    expect(refused).toEqual([]);
    expect(tried).toBeGreaterThan(100);
    expect(await changed()).toBe(eventsBefore);
  });

  it('keeps the office-only routes from committee and branch secretaries, even for their own units', async () => {
    const kinds = ['waiver', 'extension', 'phase-advanced', 'phase-started', 'campaign-stopped'] as const;
    const changed = async () => (await h.ledger.events({ campaignId: 'mini', kinds: [...kinds] })).length;
    const engine = async () => {
      const s = await h.campaigns.status('mini');
      const d = await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1');
      return { phase: s.currentPhase, stopped: s.stopped, dueAt: d.dueAt, extensions: d.extensions, state: d.state };
    };
    const eventsBefore = await changed();
    const engineBefore = await engine();
    const own = '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3/b-mech-t1';
    const routes = [
      { method: 'GET' as const, url: '/api/v1/campaigns/mini' },
      { method: 'GET' as const, url: '/api/v1/campaigns/mini/phase-preview?action=advance' },
      { method: 'POST' as const, url: '/api/v1/campaigns', payload: { plan: 'id: stolen' } },
      { method: 'POST' as const, url: '/api/v1/campaigns/mini/advance', payload: { reason: '提前' } },
      { method: 'POST' as const, url: '/api/v1/campaigns/mini/advance', payload: { toPhase: 'summary', reason: 'x' } },
      {
        method: 'POST' as const,
        url: '/api/v1/campaigns/mini/end-phase',
        payload: { phaseKey: 'engage', reason: 'x' },
      },
      { method: 'POST' as const, url: '/api/v1/campaigns/mini/stop', payload: { reason: 'x' } },
      { method: 'POST' as const, url: `${own}/extend`, payload: { newDueAt: '2010-10-30T00:00:00Z', reason: 'x' } },
      { method: 'POST' as const, url: `${own}/waive`, payload: { reason: 'x' } },
      // The audit of units outside their scope, by every report and both ways of naming a unit.
      ...['lagging', 'ranking', 'reviewers', 'rectifications', 'unit'].flatMap((report) => [
        { method: 'GET' as const, url: `/api/v1/campaigns/mini/audit/${report}?committee=c-info` },
        { method: 'GET' as const, url: `/api/v1/campaigns/mini/audit/${report}?unit=b-info-t1` },
        { method: 'GET' as const, url: `/api/v1/campaigns/mini/audit/${report}?committee=office` },
      ]),
    ];
    const answered: string[] = [];
    for (const email of ['li.mech@example.org', 'zhang.wei@example.org']) {
      for (const route of routes) {
        const res = await h.app.inject({ ...route, headers: { cookie: sessions.get(email)! } });
        const ok = res.statusCode === 403 && /application\/problem\+json/.test(String(res.headers['content-type']));
        if (!ok) answered.push(`${email} ${route.method} ${route.url}: ${res.statusCode}`);
        else expect(res.json()).toMatchObject({ status: 403, title: '无权访问' });
      }
    }
    expect(answered).toEqual([]);
    expect(await changed()).toBe(eventsBefore);
    expect(await engine()).toEqual(engineBefore);
  });

  it('lets a branch secretary submit its own report through the API, problem+json for bad input', async () => {
    const cookie = sessions.get('zhang.wei@example.org')!;
    const url = '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3/b-mech-t1/submit';
    const malformed = await h.app.inject({
      method: 'POST',
      url,
      payload: '{"text": ',
      headers: { cookie, 'content-type': 'application/json' },
    });
    expect(malformed.statusCode).toBe(400);
    expect(malformed.headers['content-type']).toMatch(/application\/problem\+json/);
    const empty = await h.app.inject({ method: 'POST', url, payload: { text: '' }, headers: { cookie } });
    expect(empty.statusCode).toBe(400);
    expect(empty.json()).toMatchObject({ status: 400, errors: [{ field: 'body.text' }] });
    const ok = await h.app.inject({ method: 'POST', url, payload: { text: 'API 报送' }, headers: { cookie } });
    expect(ok.statusCode).toBe(200);
    const again = await h.app.inject({ method: 'POST', url, payload: { text: 'API 报送' }, headers: { cookie } });
    expect(again.json()).toEqual(ok.json());
    const rows = await h.ledger.events({ campaignId: 'mini', kinds: ['submission'], unitId: 'b-mech-t1' });
    expect(rows).toHaveLength(1);
  });

  it("keeps a branch from its leader's review of its own report, and refuses ids outside the grammar", async () => {
    const cookie = sessions.get('zhang.wei@example.org')!;
    // The branch's 2010-Q3 report is in (the test before): its committee's review is open.
    const review = () => h.campaigns.deadlineStatus('mini', 'quarterly-report.review', '2010-Q3', 'b-mech-t1');
    await eventually('the review open', async () =>
      (await review().catch(() => undefined))?.state ? true : undefined,
    );
    const before = await review();
    const comments = async () => (await h.ledger.events({ campaignId: 'mini', kinds: ['review-comment'] })).length;
    const commentsBefore = await comments();
    const base = '/api/v1/campaigns/mini/deadlines/quarterly-report.review/2010-Q3/b-mech-t1';
    const read = await h.app.inject({ method: 'GET', url: base, headers: { cookie } });
    expect(read.statusCode).toBe(403);
    const answer = await h.app.inject({
      method: 'POST',
      url: `${base}/submit`,
      payload: { text: '自评' },
      headers: { cookie },
    });
    expect(answer.statusCode).toBe(400);
    expect(answer.json()).toMatchObject({ errors: [{ field: 'params.obligationKey' }] });
    const asReview = await h.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3/b-mech-t1/review',
      payload: { text: '自评' },
      headers: { cookie },
    });
    expect(asReview.statusCode).toBe(403);
    const listed = await h.app.inject({
      method: 'GET',
      url: '/api/v1/campaigns/mini/deadlines?unit=b-mech-t1&obligation=quarterly-report.review',
      headers: { cookie },
    });
    expect(listed.statusCode).toBe(200);
    expect(listed.json()).toEqual([]);
    // The committee that reviews lists it under its own unit (a review is the reviewer's deadline).
    const committee = await h.app.inject({
      method: 'GET',
      url: '/api/v1/campaigns/mini/deadlines?unit=c-mech&obligation=quarterly-report.review',
      headers: { cookie: sessions.get('li.mech@example.org')! },
    });
    expect(committee.json<{ deadlineId: string }[]>().map((d) => d.deadlineId)).toContain(before.deadlineId);
    expect(await comments()).toBe(commentsBefore);
    expect((await review()).state).toBe(before.state);

    // Ids outside the domain's grammar: 400 naming the field, as the CLI refuses them.
    const office = { authorization: `Bearer ${TEST_API_TOKEN}` };
    const badCampaign = await h.app.inject({ method: 'GET', url: '/api/v1/campaigns/Mini/deadlines', headers: office });
    expect(badCampaign.statusCode).toBe(400);
    expect(badCampaign.json()).toMatchObject({ errors: [{ field: 'params.campaignId' }] });
    const badCycle = await h.app.inject({
      method: 'GET',
      url: '/api/v1/campaigns/mini/deadlines?cycle=2010-Q9x',
      headers: office,
    });
    expect(badCycle.statusCode).toBe(400);
    expect(badCycle.json()).toMatchObject({ errors: [{ field: 'query.cycle' }] });
    // A field the body does not take is named itself.
    const foreign = await h.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3/b-mech-t1/submit',
      payload: { text: 'x', unitId: 'b-info-t1' },
      headers: { cookie },
    });
    expect(foreign.statusCode).toBe(400);
    expect(foreign.json()).toMatchObject({ errors: [{ field: 'body.unitId' }] });
  });

  it('sends a signed-in person from an old-style link to its signed link, within their scope only', async () => {
    const cookie = sessions.get('zhang.wei@example.org')!;
    const old = (path: string) => h.app.inject({ method: 'GET', url: `/submit/mini/${path}`, headers: { cookie } });
    const own = await old('quarterly-report/2010-Q3/b-mech-t1');
    expect(own.statusCode).toBe(303);
    const token = /^\/s\/(.+)$/.exec(String(own.headers.location))?.[1];
    expect(verifyLink(h.config.LINK_SECRET, token ?? '')).toEqual({
      campaignId: 'mini',
      obligationKey: 'quarterly-report',
      cycleKey: '2010-Q3',
      unitId: 'b-mech-t1',
      purpose: 'submit',
    });
    // Another unit's, or a review's (the reviewer's, not the branch's): to "my open deadlines", no link made.
    for (const other of ['quarterly-report/2010-Q3/b-info-t1', 'quarterly-report.review/2010-Q3/b-mech-t1']) {
      const res = await old(other);
      expect(res.statusCode).toBe(303);
      expect(res.headers.location).toBe('/me');
    }
  });

  it('takes the office API token, refuses a visitor, and publishes OpenAPI 3', async () => {
    const anon = await h.app.inject({ method: 'GET', url: '/api/v1/campaigns' });
    expect(anon.statusCode).toBe(401);
    const office = await h.app.inject({
      method: 'GET',
      url: '/api/v1/campaigns',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(office.json()).toEqual(['mini']);
    const waive = await h.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3/b-info-s1/waive',
      payload: { reason: '支部合并' },
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(waive.statusCode).toBe(200);
    expect(waive.json()).toMatchObject({ state: 'closed', outcome: 'waived' });
    const doc = (await h.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(doc.openapi).toMatch(/^3\./);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/campaigns/{campaignId}/deadlines/{obligationKey}/{cycleKey}/{unitId}/submit']),
    );
  });
});

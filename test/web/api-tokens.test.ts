/**
 * People's API tokens, end to end on the dev server with the real ledger and SMTP server: a
 * branch's liaison makes a token in the console (shown once, mailed about without it), a
 * program then reads through the API as that person and in their scope only, a read-only token
 * writes nothing, a write token submits the branch's report under the person's name, a token
 * opens no page and makes no token, and a revoked token (by its owner or by the office, who
 * mails the owner) is refused from the next request on.
 */
import { SESSION_COOKIE } from '../../web/context';
import { eventually, formPost, startWebHarness, TEST_API_TOKEN, type WebHarness } from '../helpers/web';

const flat = (s: string): string => s.replace(/\s+/g, ' ');
const TOKEN = /cpt_[0-9a-f]{12}_[A-Za-z0-9_-]{43}/;
const Q3 = '/api/v1/campaigns/mini/deadlines/quarterly-report/2010-Q3';

describe('personal API tokens', () => {
  let h: WebHarness;
  let liu: { cookie: string };
  let office: { cookie: string };
  beforeAll(async () => {
    h = await startWebHarness();
    const session = async (email: string) => {
      const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn(email)))!;
      return { cookie: `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}` };
    };
    liu = await session('liu.yang@example.org');
    office = await session('office@example.org');
    await eventually('the Q3 report open', () =>
      h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1').catch(() => undefined),
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  const make = async (who: { cookie: string }, fields: Record<string, string>) => {
    const res = await formPost(h, '/console/tokens', fields, who);
    const token = TOKEN.exec(res.body)?.[0];
    return { res, token };
  };
  const api = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
    h.app.inject({ method, url, payload, headers: { authorization: `Bearer ${token}` } });

  it('makes a read-only token that reads as its owner, in their scope, and writes nothing', async () => {
    const page = await h.app.inject({ method: 'GET', url: '/console/tokens', headers: liu });
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('生成令牌');
    expect(page.headers['cache-control']).toBe('no-store');

    const { res, token } = await make(liu, { name: '支部看板', access: 'read', days: '90' });
    expect(res.statusCode).toBe(200);
    expect(token).toBeDefined();
    expect(res.headers['cache-control']).toBe('no-store');
    expect(flat(res.body)).toContain('离开本页后将无法再次查看');
    // Shown this once: the list afterwards names it by its id, never with its secret.
    const id = token!.split('_')[1]!;
    const again = await h.app.inject({ method: 'GET', url: '/console/tokens', headers: liu });
    expect(again.body).toContain(id);
    expect(again.body).not.toContain(token!);
    expect(flat(again.body)).toContain('从未使用');

    // The owner is told by mail, without the token.
    const mail = await eventually('the token mail', () =>
      h.smtp.received.find(
        (r) => r.envelopeTo.includes('liu.yang@example.org') && /API 令牌已生成/.test(r.mail.subject ?? ''),
      ),
    );
    expect(mail.mail.text).toContain(id);
    expect(mail.mail.text).toContain('只读');
    expect(mail.raw).not.toContain(token!.slice('cpt_'.length + 13));

    // Reads as liu.yang: the branch's own deadline, nobody else's.
    const campaigns = await api(token!, 'GET', '/api/v1/campaigns');
    expect(campaigns.statusCode).toBe(200);
    expect(campaigns.json()).toEqual(['mini']);
    const own = await api(token!, 'GET', `${Q3}/b-mech-t1`);
    expect(own.statusCode).toBe(200);
    expect(own.json()).toMatchObject({ unitId: 'b-mech-t1' });
    const other = await api(token!, 'GET', `${Q3}/b-info-s1`);
    expect(other.statusCode).toBe(403);
    // Nothing written through a read-only token.
    const submit = await api(token!, 'POST', `${Q3}/b-mech-t1/submit`, { text: '经看板报送' });
    expect(submit.statusCode).toBe(403);
    expect(submit.headers['content-type']).toContain('application/problem+json');
    expect(submit.json()).toMatchObject({ title: '令牌只能读取' });
    expect((await h.campaigns.deadlineStatus('mini', 'quarterly-report', '2010-Q3', 'b-mech-t1')).state).not.toBe(
      'closed',
    );
    // Its use is noted.
    expect(flat((await h.app.inject({ method: 'GET', url: '/console/tokens', headers: liu })).body)).not.toContain(
      '从未使用',
    );

    // A token opens no page and makes no token: the console asks to sign in.
    const consolePage = await h.app.inject({
      method: 'GET',
      url: '/console/tokens',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(consolePage.statusCode).toBe(303);
    expect(consolePage.headers.location).toBe('/login');
  });

  it('submits through a write token under the owner’s name', async () => {
    const { token } = await make(liu, { name: '报送脚本', access: 'write', days: '30' });
    const other = await api(token!, 'POST', `${Q3}/b-info-s1/submit`, { text: '不属于本支部' });
    expect(other.statusCode).toBe(403);
    const submit = await api(token!, 'POST', `${Q3}/b-mech-t1/submit`, { text: '经脚本报送的第三季度汇报' });
    expect(submit.statusCode).toBe(200);
    const submission = await eventually('the submission in the ledger', async () =>
      (await h.ledger.events({ campaignId: 'mini', unitId: 'b-mech-t1', kinds: ['submission'] })).find(
        (e) => e.cycleKey === '2010-Q3',
      ),
    );
    expect(submission.actor).toBe('liu.yang@example.org');
    expect(submission.data).toMatchObject({ text: '经脚本报送的第三季度汇报' });
  });

  it('refuses a token once its owner revokes it, and lets nobody else revoke it', async () => {
    const { token } = await make(liu, { name: '临时', access: 'read', days: '30' });
    const id = token!.split('_')[1]!;
    expect((await api(token!, 'GET', '/api/v1/campaigns')).statusCode).toBe(200);

    // Another branch's secretary cannot revoke it, nor learn that it exists.
    const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn('chen.jing@example.org')))!;
    const chen = { cookie: `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}` };
    const foreign = await formPost(h, `/console/tokens/${id}/revoke`, {}, chen, '/console/tokens');
    expect(foreign.statusCode).toBe(404);
    expect((await h.app.inject({ method: 'GET', url: '/console/tokens', headers: chen })).body).not.toContain(id);
    expect((await api(token!, 'GET', '/api/v1/campaigns')).statusCode).toBe(200);

    // A forged post (no CSRF token) revokes nothing.
    const forged = await h.app.inject({ method: 'POST', url: `/console/tokens/${id}/revoke`, headers: liu });
    expect(forged.statusCode).toBe(403);
    expect((await api(token!, 'GET', '/api/v1/campaigns')).statusCode).toBe(200);

    const revoked = await formPost(h, `/console/tokens/${id}/revoke`, {}, liu, '/console/tokens');
    expect(revoked.statusCode).toBe(303);
    expect(revoked.headers.location).toBe(`/console/tokens?revoked=${id}`);
    const notice = await h.app.inject({ method: 'GET', url: revoked.headers.location as string, headers: liu });
    expect(flat(notice.body)).toContain(`令牌 临时（${id}）已撤销`);
    const refused = await api(token!, 'GET', '/api/v1/campaigns');
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({ title: 'API 令牌无效' });
    // Revoked twice: refused, the first revocation stands.
    const twice = await formPost(h, `/console/tokens/${id}/revoke`, {}, liu, '/console/tokens');
    expect(twice.statusCode).toBe(409);
    // When, in China time with the weekday, and by whom.
    expect(flat(twice.body)).toMatch(
      new RegExp(`令牌 ${id} 已于 \\d{4}年\\d+月\\d+日（星期.）\\d\\d:\\d\\d 由 liu.yang@example.org 撤销`),
    );
  });

  it('lets the office see and revoke everybody’s tokens, mailing the owner', async () => {
    const { token } = await make(liu, { name: '泄露的令牌', access: 'write', days: '365' });
    const id = token!.split('_')[1]!;
    const list = await h.app.inject({ method: 'GET', url: '/console/tokens', headers: office });
    expect(flat(list.body)).toContain('其他人员的令牌');
    expect(list.body).toContain(id);
    expect(list.body).toContain('liu.yang@example.org');

    const revoked = await formPost(h, `/console/tokens/${id}/revoke`, {}, office, '/console/tokens');
    expect(revoked.statusCode).toBe(303);
    expect((await api(token!, 'GET', '/api/v1/campaigns')).statusCode).toBe(401);
    expect(flat((await h.app.inject({ method: 'GET', url: '/console/tokens', headers: liu })).body)).toContain(
      'office@example.org',
    );
    const mail = await eventually('the revocation mail', () =>
      h.smtp.received.find(
        (r) => r.envelopeTo.includes('liu.yang@example.org') && /API 令牌已被撤销/.test(r.mail.subject ?? ''),
      ),
    );
    expect(mail.mail.text).toContain(id);
    expect(mail.mail.text).toContain('office@example.org');
  });

  it('refuses a token whose owner has left the organisation, bad forms, and the service’s own token', async () => {
    // A person no longer in the organisation file: their token, still live in the ledger, acts as nobody.
    const { token } = await h.deps.apiTokens.create({
      email: 'gone@example.org',
      name: 'x',
      access: 'write',
      days: 30,
    });
    expect(await h.deps.apiTokens.verify(token)).toBeDefined();
    expect((await api(token, 'GET', '/api/v1/campaigns')).statusCode).toBe(401);

    const badDays = await make(liu, { name: '看板', access: 'read', days: '7' });
    expect(badDays.res.statusCode).toBe(400);
    expect(badDays.res.body).toContain('有效期只能是 30、90、180、365 天');
    expect(badDays.token).toBeUndefined();
    const noName = await make(liu, { name: ' ', access: 'read', days: '30' });
    expect(noName.res.statusCode).toBe(400);
    expect(noName.res.body).toContain('请填写名称');
    const badAccess = await make(liu, { name: 'x', access: 'admin', days: '30' });
    expect(badAccess.res.statusCode).toBe(400);

    // The service's own API_TOKEN is no person: it manages no tokens.
    const service = await h.app.inject({
      method: 'GET',
      url: '/console/tokens',
      headers: { authorization: `Bearer ${TEST_API_TOKEN}` },
    });
    expect(service.statusCode).toBe(403);
    // A token that was never made: 401, naming the problem.
    const forged = await api(`cpt_${'0'.repeat(12)}_${'A'.repeat(43)}`, 'GET', '/api/v1/campaigns');
    expect(forged.statusCode).toBe(401);
  });
});

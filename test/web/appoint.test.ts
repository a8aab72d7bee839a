/**
 * A new branch secretary recorded three ways, each opening her training (任职培训) when the plan
 * declares it: the HTTP API (office only), the `appoint` command, and the organisation file
 * re-imported (`appoint --org`: a changed secretary is an appointment, and the file the contacts
 * every mail goes to from then on). On the dev server with a worker process, the mini plan with a
 * training due a month after the appointment.
 */
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { runCli } from '../helpers/processes';
import { miniPlanWithEvents } from '../helpers/mini-events';
import {
  eventually,
  formPost,
  ORG,
  sessionCookie,
  startWebHarness,
  TEST_API_TOKEN,
  type WebHarness,
} from '../helpers/web';
import { orgHash } from '../../ledger/org-versions';
import { loadOrgFile } from '../../plans/load';

const OFFICE = { authorization: `Bearer ${TEST_API_TOKEN}` };

describe('appointing a branch secretary opens her training', () => {
  let h: WebHarness;
  beforeAll(async () => {
    h = await startWebHarness({ plan: miniPlanWithEvents() });
  });
  afterAll(async () => {
    await h?.stop();
  });

  /** The training notice that went to one of `addresses` (the secretary before or after her appointment). */
  const trainingNoticeTo = (what: string, addresses: string[]) =>
    eventually(what, () =>
      h.smtp.received.find(
        (m) => m.mail.subject?.includes('任职培训') && addresses.some((a) => m.envelopeTo.includes(a)),
      ),
    );

  const cookieOf = (email: string) => sessionCookie(h, email);
  const myDeadlines = async (email: string) =>
    h.app.inject({ method: 'GET', url: '/api/v1/me/deadlines', headers: { cookie: await cookieOf(email) } });
  const appoint = (unitId: string, payload: unknown, headers: Record<string, string>) =>
    h.app.inject({
      method: 'POST',
      url: `/api/v1/campaigns/mini/units/${unitId}/appoint`,
      payload: payload as object,
      headers,
    });
  const cli = (args: string[]) =>
    runCli(['--lang', 'zh', 'appoint', 'mini', ...args], {
      TEMPORAL_ADDRESS: h.config.temporal.address,
      LEDGER_URL: h.config.LEDGER_URL,
    });

  it('the API: only the office appoints; the training opens once, due a month later through the holiday rule', async () => {
    // The branch's own secretary and its committee's secretary may not.
    for (const email of ['yang.fan@example.org', 'zhao.info@example.org']) {
      const res = await appoint('b-info-s1', { secretary: '马新' }, { cookie: await cookieOf(email) });
      expect({ email, status: res.statusCode }).toEqual({ email, status: 403 });
    }
    expect((await appoint('b-info-s1', { secretary: '马新' }, {})).statusCode).toBe(401);
    const blank = await appoint('b-info-s1', { secretary: ' ' }, OFFICE);
    expect(blank.statusCode).toBe(400);
    expect(JSON.stringify(blank.json())).toContain('secretary');
    expect((await h.ledger.events({ campaignId: 'mini', kinds: ['secretary-appointed'] })).length).toBe(0);

    const res = await appoint('b-info-s1', { secretary: '马新' }, OFFICE);
    expect(res.statusCode).toBe(200);
    const body = res.json<{
      opened: { deadlineId: string; dueAt: string; dueOnHoliday: boolean; cycleKey: string }[];
    }>();
    expect(body.opened).toHaveLength(1);
    const [d] = body.opened;
    // The harness's plan time starts on Friday 10 September 2010: due Sunday 10 October, a day
    // off (the plan keeps it and flags it, onHoliday: flag).
    expect(d).toMatchObject({
      deadlineId: 'mini/secretary-training/2010-09-10/b-info-s1',
      cycleKey: '2010-09-10',
      dueAt: '2010-10-10T15:59:59.000Z',
      dueOnHoliday: true,
    });
    const again = (await appoint('b-info-s1', { secretary: '马新' }, OFFICE)).json<{
      opened: [];
      alreadyOpen: unknown[];
    }>();
    expect(again.opened).toEqual([]);
    expect(again.alreadyOpen).toEqual([d]);
    const status = await h.campaigns.deadlineStatus('mini', 'secretary-training', '2010-09-10', 'b-info-s1');
    expect(status).toMatchObject({ state: 'green', dueAt: d!.dueAt });
    const rows = await h.ledger.events({ campaignId: 'mini', kinds: ['secretary-appointed'] });
    expect(rows.map((e) => [e.unitId, e.actor, e.data])).toEqual([['b-info-s1', 'api-token', { secretary: '马新' }]]);
    // A unit that is not a branch: the engine refuses it by field (409, as every refused request), nothing opened.
    const committee = await appoint('c-info', { secretary: '马新' }, OFFICE);
    expect(committee.statusCode).toBe(409);
    expect(committee.json<{ detail: string }>().detail).toContain('unitId: "c-info" is not a branch');
    const nobody = await appoint('b-nobody', { secretary: '马新' }, OFFICE);
    expect(nobody.statusCode).toBe(404);
    expect(nobody.json<{ detail: string }>().detail).toContain('unitId: no unit "b-nobody"');
  });

  it('the command line: one branch, and the organisation file re-imported', async () => {
    const one = await cli(['b-mech-t1', '--secretary', '王五', '--by', '组织部']);
    expect(one.stderr).toBe('');
    expect(one.stdout).toMatch(/^b-mech-t1：已开启 secretary-training 2010-09-\d\d，截止 2010年10月\d+日/);
    expect((await cli(['b-mech-t1', '--by', '组织部'])).stderr).toContain('请给出 <unit> 和 --secretary');

    // The organisation file again, with two branches' secretaries changed and one branch added.
    const text = (await readFile(ORG, 'utf8'))
      .replace(
        'secretary: { name: 陈静, email: chen.jing@example.org }',
        'secretary: { name: 周敏, email: zhou.min@example.org }',
      )
      .replace('secretary: { name: 黄磊 }', 'secretary: { name: 马新 }')
      .concat(
        '  - id: b-info-g1\n    name: 信息学院研究生第二党支部\n    kind: 学生\n    parent: c-info\n    secretary: { name: 徐立 }\n',
      );
    const file = path.join(h.dir, 'org-2.yaml');
    await writeFile(file, text);
    // What it would do, first: nothing recorded.
    const dry = await cli(['--org', file, '--by', '组织部', '--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.stdout.split('\n')).toEqual(
      expect.arrayContaining([
        '预览（未记录任何变更）：通讯录将更新为这份文件（8 个单位）',
        'b-mech-s1 机械学院本科生第一党支部：书记 陈静 → 周敏（将记为任命）',
        'b-mech-s1 机械学院本科生第一党支部 · 书记：陈静 <chen.jing@example.org> → 周敏 <zhou.min@example.org>',
        'b-info-g1：新党支部，不在本活动的组织中',
      ]),
    );
    expect(await h.ledger.events({ campaignId: 'mini', kinds: ['org-reimported'] })).toEqual([]);
    const reimport = await cli(['--org', file, '--by', '组织部', '--json']);
    expect(reimport.stderr).toBe('');
    const out = JSON.parse(reimport.stdout) as {
      appointments: {
        unitId: string;
        previous: string;
        secretary: string;
        opened: unknown[];
        alreadyOpen: unknown[];
      }[];
      newBranches: string[];
    };
    expect(
      out.appointments.map((a) => [a.unitId, a.previous, a.secretary, a.opened.length, a.alreadyOpen.length]),
    ).toEqual([
      ['b-mech-s1', '陈静', '周敏', 1, 0],
      // Appointed through the API today already: the same day's training, not a second one.
      ['b-info-s1', '黄磊', '马新', 0, 1],
    ]);
    expect(out.newBranches).toEqual(['b-info-g1']);
    // The file is the campaign's contacts from now on, recorded with who imported it.
    expect(out).toMatchObject({ contacts: { version: 1, hash: orgHash(await loadOrgFile(file)) } });
    const [imported] = await h.ledger.events({ campaignId: 'mini', kinds: ['org-reimported'] });
    expect(imported).toMatchObject({ actor: '组织部', data: { version: 1, units: 8 } });

    // The new secretary's training notice goes to her, though the campaign's own organisation
    // (the deadline's, as it opened) still names 陈静: every mail goes to the contacts imported last.
    const trainingNotice = await trainingNoticeTo('the training notice of b-mech-s1', [
      'zhou.min@example.org',
      'chen.jing@example.org',
    ]);
    expect(trainingNotice.envelopeTo).toEqual(['zhou.min@example.org']);
    expect(trainingNotice.mail.text).toContain('新任党支部书记任职培训');

    // The web service follows the import without a restart: the new secretary's session sees her
    // branch's deadlines, the one she replaced is signed out of it.
    const zhou = await myDeadlines('zhou.min@example.org');
    expect(zhou.statusCode).toBe(200);
    const units = new Set(zhou.json<{ deadlineId: string }[]>().map((d) => d.deadlineId.split('/').pop()));
    expect([...units]).toEqual(['b-mech-s1']);
    expect((await myDeadlines('chen.jing@example.org')).statusCode).toBe(401);

    // The same file again: nothing to update, no appointment made twice.
    const again = JSON.parse((await cli(['--org', file, '--by', '组织部', '--json'])).stdout) as {
      contacts: unknown;
      appointments: { unitId: string; opened: unknown[] }[];
    };
    expect(again.contacts).toBeNull();
    expect(again.appointments).toEqual([]);
    expect((await cli(['--org', file, '--by', '组织部'])).stdout.split('\n')).toEqual([
      '组织文件与当前通讯录相同，未更新',
      '没有党支部书记变更',
      'b-info-g1：新党支部，不在本活动的组织中（未开启任何事项）',
      '',
    ]);
    expect(await h.ledger.events({ campaignId: 'mini', kinds: ['org-reimported'] })).toHaveLength(1);
    const rows = await h.ledger.events({ campaignId: 'mini', kinds: ['secretary-appointed'] });
    expect(rows.map((e) => `${e.unitId} ${String(e.data?.secretary)}`).sort()).toEqual([
      'b-info-s1 马新',
      'b-mech-s1 周敏',
      'b-mech-t1 王五',
    ]);
  });
  it('the API: the office re-imports the organisation file; a bad file is refused by field, nothing recorded', async () => {
    const post = (payload: object, headers: Record<string, string> = OFFICE) =>
      h.app.inject({ method: 'POST', url: '/api/v1/campaigns/mini/org', payload, headers });
    const imports = () => h.ledger.events({ campaignId: 'mini', kinds: ['org-reimported'] });
    const text = (await readFile(path.join(h.dir, 'org-2.yaml'), 'utf8')).replace(
      'secretary: { name: 杨帆, email: yang.fan@example.org }',
      'secretary: { name: 钱进, email: qian.jin@example.org }',
    );
    expect((await post({ org: text }, { cookie: await cookieOf('zhao.info@example.org') })).statusCode).toBe(403);
    const bad = await post({ org: text.replace('parent: c-info', 'parent: c-nowhere') });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ title: string; errors: { field: string }[] }>()).toMatchObject({ title: '组织名册有误' });
    expect(bad.json<{ errors: { field: string }[] }>().errors[0]!.field).toMatch(/^body\.org/);
    // A roster of another organisation: refused by its office, before anything is compared.
    const stranger = await post({ org: text.replace(/\bid: office\b/, 'id: zzb') });
    expect(stranger.statusCode).toBe(400);
    expect(stranger.json<{ errors: { field: string }[] }>().errors.map((e) => e.field)).toEqual(['body.org.office.id']);
    expect(await imports()).toHaveLength(1);

    // A dry run first: what the import would do, nothing recorded.
    const dry = await h.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/mini/org?dryRun=true',
      payload: { org: text },
      headers: OFFICE,
    });
    expect(dry.statusCode).toBe(200);
    expect(dry.json()).toMatchObject({
      updatesContacts: true,
      appointments: [{ unitId: 'b-info-t1', previous: '杨帆', secretary: '钱进' }],
      contacts: [
        {
          unitId: 'b-info-t1',
          post: 'secretary',
          was: '杨帆 <yang.fan@example.org>',
          now: '钱进 <qian.jin@example.org>',
        },
      ],
      newBranches: ['b-info-g1'],
      missing: [],
    });
    expect(await imports()).toHaveLength(1);

    const res = await post({ org: text });
    expect(res.statusCode).toBe(200);
    const body = res.json<{ contacts: { version: number }; appointments: { unitId: string; opened: unknown[] }[] }>();
    expect(body.contacts.version).toBe(2);
    expect(body.appointments.map((a) => [a.unitId, a.opened.length])).toEqual([['b-info-t1', 1]]);
    const [, second] = await imports();
    expect(second).toMatchObject({ actor: 'api-token', data: { version: 2 } });
    // Her training notice goes to the address the file gives her.
    const notice = await trainingNoticeTo('the training notice of b-info-t1', [
      'qian.jin@example.org',
      'yang.fan@example.org',
    ]);
    expect(notice.envelopeTo).toEqual(['qian.jin@example.org']);
    // She asks for a sign-in link at once, and gets one; 杨帆's session no longer opens anything.
    expect((await formPost(h, '/login', { email: 'qian.jin@example.org' }, {})).statusCode).toBe(200);
    await eventually('qian.jin’s sign-in link', () =>
      h.smtp.received.find(
        (m) => m.mail.subject?.includes('登录链接') && m.envelopeTo.includes('qian.jin@example.org'),
      ),
    );
    expect((await myDeadlines('yang.fan@example.org')).statusCode).toBe(401);
    expect((await post({ org: text })).json()).toMatchObject({ contacts: null });
    expect(await imports()).toHaveLength(2);
  });
});

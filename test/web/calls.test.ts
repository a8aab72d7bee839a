/**
 * 电话催办 end to end on the dev server, the mini plan from 2010-09-28 (the third quarter's report
 * three days overdue), on a roster that gives some secretaries and liaisons a telephone: the office
 * lists every deadline overdue with the numbers to ring as `tel:` links, a committee's secretary
 * those of its own branches, a branch nobody (403). A call recorded goes to the ledger once (the
 * same form twice is one call), shows on the list and in the deadline's history; a form without
 * its CSRF token, with an unknown outcome or an impossible date is refused naming the field, and a
 * committee cannot record a call about another's branch. The roster's numbers are checked when it
 * is read, and the escalation mail gives them as well. The page fits a phone in chromium (test-artifacts/console/calls.png), and a call is
 * recorded there by tapping.
 */
import path from 'node:path';
import { mkdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import { parseOrgText } from '../../plans/load';
import { OrgValidationError } from '../../domain/errors';
import { SESSION_COOKIE } from '../../web/context';
import { expectFitsPhone, launchBrowser, phonePage } from '../helpers/browser';
import { eventually, formPost, pageText as text, startWebHarness, type WebHarness } from '../helpers/web';

const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'console');
const MINI_ORG = path.join(__dirname, '..', 'fixtures', 'mini-org.yaml');

/** The mini roster with telephones: 张伟 a mobile, 刘洋 an office line with its extension, 陈静 none. */
function rosterWithPhones(): string {
  const text = readFileSync(MINI_ORG, 'utf8')
    .replace(
      'secretary: { name: 张伟, email: zhang.wei@example.org }',
      "secretary: { name: 张伟, email: zhang.wei@example.org, phone: '138 0451 2233' }",
    )
    .replace(
      'liaison: { name: 刘洋, email: liu.yang@example.org }',
      "liaison: { name: 刘洋, email: liu.yang@example.org, phone: '0451-86412345转8001' }",
    )
    .replace(
      'secretary: { name: 杨帆, email: yang.fan@example.org }',
      "secretary: { name: 杨帆, email: yang.fan@example.org, phone: '+86 139 0000 1111' }",
    );
  if (!text.includes('0451-86412345转8001') || !text.includes('+86 139')) throw new Error('mini-org.yaml changed');
  return text;
}

describe('电话催办: the calls to make about what is overdue, and the calls made', () => {
  let h: WebHarness;
  const session = async (email: string) => {
    const { sessionId } = (await h.deps.sessions.redeem(await h.deps.sessions.issueSignIn(email)))!;
    return { cookie: `${SESSION_COOKIE}=${h.app.signCookie(sessionId)}` };
  };
  let office: { cookie: string };
  let li: { cookie: string };
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const org = path.join(os.tmpdir(), `calls-org-${process.pid}.yaml`);
    await writeFile(org, rosterWithPhones());
    h = await startWebHarness({ from: '2010-09-28T10:00', org, listen: true });
    office = await session('office@example.org');
    li = await session('li.mech@example.org');
    await eventually('the Q3 reports in the ledger', async () =>
      (await h.ledger.deadlineRows({ campaignId: 'mini', obligationKey: 'quarterly-report', cycleKey: '2010-Q3' }))
        .length >= 4
        ? true
        : undefined,
    );
  });
  afterAll(async () => {
    await h?.stop();
  });

  const get = (url: string, who: { cookie: string }) => h.app.inject({ method: 'GET', url, headers: who });
  const CALLS = '/console/mini/calls';
  const PHONED = '/console/mini/o/quarterly-report/2010-Q3/b-mech-t1/phoned';
  const nonceOf = (body: string, unit: string): string => {
    const form = body.split(`/2010-Q3/${unit}/phoned"`)[1]!;
    return /name="nonce" value="([^"]+)"/.exec(form)![1]!;
  };

  it('checks the roster’s numbers when it reads it', () => {
    expect(parseOrgText(rosterWithPhones(), 'org.yaml').units['b-mech-t1']!.liaison).toEqual({
      name: '刘洋',
      email: 'liu.yang@example.org',
      phone: '0451-86412345转8001',
    });
    const bad = rosterWithPhones().replace("phone: '138 0451 2233'", "phone: 'call me'");
    try {
      parseOrgText(bad, 'org.yaml');
      throw new Error('accepted');
    } catch (err) {
      expect(err).toBeInstanceOf(OrgValidationError);
      expect((err as OrgValidationError).issues[0]).toMatchObject({ path: 'branches[0].secretary.phone' });
    }
    // The CSV's columns say the same.
    const csv = [
      'level,id,name,kind,parent,secretary_name,secretary_email,liaison_name,liaison_email,secretary_phone,liaison_phone',
      'office,office,组织部,,,王主任,office@example.org,,,,',
      'committee,c-1,一院党委,直属党委,,李书记,li@example.org,,,010-12345678,',
      'branch,b-1,一支部,教工,c-1,张伟,zhang@example.org,刘洋,liu@example.org,13800000000,abc',
    ].join('\n');
    expect(() => parseOrgText(csv, 'org.csv')).toThrow(/b-1\.liaison\.phone/);
    const good = parseOrgText(csv.replace(',abc', ',13900000000'), 'org.csv');
    expect(good.units['c-1']!.secretary).toMatchObject({ phone: '010-12345678' });
    expect(good.units['b-1']!.liaison).toMatchObject({ phone: '13900000000' });
  });

  it('gives the numbers in the escalation mail too, to whoever is asked to chase the branch', async () => {
    // The quarter was two days overdue when the rehearsal began: its first escalation, to the
    // branch and its committee, went at once.
    const mail = await eventually('the quarter’s escalation of b-mech-t1', () =>
      h.smtp.received.find((r) => /【督办】机械学院教工第一党支部.*第三季度/.test(r.mail.subject ?? '')),
    );
    expect(mail.mail.text).toContain(
      '请督促尽快报送。联系电话：书记 张伟 138 0451 2233；联络员 刘洋 0451-86412345转8001。',
    );
    expect(mail.envelopeTo).toContain('li.mech@example.org');
    // The branch plan's, to the branch alone: nobody else to ring it.
    const own = await eventually('the plan’s escalation of b-mech-t1', () =>
      h.smtp.received.find((r) => /【督办】机械学院教工第一党支部.*支部实施方案/.test(r.mail.subject ?? '')),
    );
    expect(own.envelopeTo).toEqual(['liu.yang@example.org']);
    expect(own.mail.text).not.toContain('联系电话');
  });

  it('lists every overdue deadline to the office with the numbers to ring, and records a call once', async () => {
    const page = await get(CALLS, office);
    expect(page.statusCode).toBe(200);
    const said = text(page.body);
    // The four branches' third quarters, three days overdue, and their plans, three months.
    for (const unit of [
      '机械学院教工第一党支部',
      '机械学院本科生第一党支部',
      '信息学院教工党支部',
      '信息学院研究生党支部',
    ])
      expect(said).toContain(unit);
    expect(said).toContain('共 8 项逾期未交');
    // The latest first: the plans, once, before the quarters.
    expect(said.indexOf('支部实施方案 · 未报送，已逾期94天')).toBeLessThan(said.indexOf('季度工作汇报 2010-Q3'));
    expect(page.body).toContain('<a href="tel:13804512233">138 0451 2233</a>');
    expect(page.body).toContain('<a href="tel:0451864123458001">0451-86412345转8001</a>');
    expect(page.body).toContain('<a href="tel:+8613900001111">+86 139 0000 1111</a>');
    expect(said).toContain('书记 陈静： 名册中没有电话');

    const nonce = nonceOf(page.body, 'b-mech-t1');
    const call = { outcome: 'reached', promisedOn: '2010-09-30', note: '张伟说国庆前报送', nonce };
    const first = await formPost(h, PHONED, call, office, CALLS);
    expect(first.statusCode).toBe(303);
    expect(first.headers.location).toBe(CALLS);
    // The same form again (a double tap): still one call.
    expect((await formPost(h, PHONED, call, office, CALLS)).statusCode).toBe(303);
    const calls = await h.ledger.events({ campaignId: 'mini', kinds: ['phoned'] });
    expect(calls).toEqual([
      expect.objectContaining({
        unitId: 'b-mech-t1',
        obligationKey: 'quarterly-report',
        cycleKey: '2010-Q3',
        actor: 'office@example.org',
        data: { outcome: 'reached', promisedOn: '2010-09-30', note: '张伟说国庆前报送' },
      }),
    ]);
    // Its instant is the rehearsal's clock, a few seconds past ten.
    expect(text((await get(CALLS, office)).body)).toMatch(
      /上次电话：2010年9月28日（星期二）10:0\d · office@example\.org · 已接通 · 承诺2010年9月30日（星期四）前报送 · 记录：张伟说国庆前报送/,
    );
    const history = text((await get('/console/mini/o/quarterly-report/2010-Q3/b-mech-t1', office)).body);
    expect(history).toContain(
      '电话催办 · 已接通 · 承诺2010年9月30日（星期四）前报送 · 记录：张伟说国庆前报送 · 经办 office@example.org',
    );
  });

  it('refuses a forged or wrong form by its field', async () => {
    const nonce = nonceOf((await get(CALLS, office)).body, 'b-info-t1');
    const url = '/console/mini/o/quarterly-report/2010-Q3/b-info-t1/phoned';
    const forged = await h.app.inject({ method: 'POST', url, headers: office });
    expect(forged.statusCode).toBe(403);
    const refused = async (fields: Record<string, string>, field: string) => {
      const res = await formPost(
        h,
        url,
        { outcome: 'reached', promisedOn: '', note: '', nonce, ...fields },
        office,
        CALLS,
      );
      expect([field, res.statusCode]).toEqual([field, 400]);
      return text(res.body);
    };
    expect(await refused({ outcome: 'maybe' }, 'outcome')).toContain('请选择是否接通');
    expect(await refused({ promisedOn: '2010-02-30' }, 'promisedOn')).toContain('承诺日期应为有效日期');
    expect(await refused({ note: '长'.repeat(501) }, 'note')).toContain('记录最多500字');
    expect(await refused({ nonce: 'x' }, 'nonce')).toContain('表单已失效');
    expect(await h.ledger.events({ campaignId: 'mini', kinds: ['phoned'], unitId: 'b-info-t1' })).toEqual([]);
  });

  it('gives a committee its own branches to ring, and a branch nothing', async () => {
    const page = await get(CALLS, li);
    expect(page.statusCode).toBe(200);
    const said = text(page.body);
    expect(said).toContain('共 4 项逾期未交');
    expect(said).toContain('机械学院本科生第一党支部');
    expect(said).not.toContain('信息学院');
    // Another committee's branch: refused, nothing recorded.
    const nonce = nonceOf(page.body, 'b-mech-s1');
    const unreached = (unit: string) =>
      formPost(
        h,
        `/console/mini/o/quarterly-report/2010-Q3/${unit}/phoned`,
        { outcome: 'unreached', promisedOn: '', note: '', nonce },
        li,
        CALLS,
      );
    expect((await unreached('b-info-t1')).statusCode).toBe(403);
    expect((await unreached('b-mech-s1')).statusCode).toBe(303);
    expect(text((await get(CALLS, li)).body)).toContain('li.mech@example.org · 未接通');
    // A branch has nobody to ring, and no link to the page.
    const zhang = await session('zhang.wei@example.org');
    expect((await get(CALLS, zhang)).statusCode).toBe(403);
    expect((await get('/console/mini', zhang)).body).not.toContain('/console/mini/calls');
    expect((await get('/console/mini', office)).body).toContain('/console/mini/calls');
  });

  it('fits a phone', async () => {
    const browser = await launchBrowser();
    try {
      const page = await phonePage(browser, h.config.BASE_URL, office.cookie);
      await page.goto(`${h.config.BASE_URL}${CALLS}`);
      await page.locator('#calls').waitFor();
      await expectFitsPhone(page, path.join(ARTIFACTS, 'calls.png'));
      // A call recorded as the office would, by tapping: the information college's graduate branch.
      const card = page.locator('#calls > li', { hasText: '信息学院研究生党支部 · 季度工作汇报' });
      await card.getByText('记录这次电话').click();
      await card.getByLabel('未接通').check();
      await card.getByLabel('记录（可不填）').fill('办公室电话无人接听');
      await card.getByRole('button', { name: '记录' }).click();
      await page.locator('#calls').waitFor();
      const after = page.locator('#calls > li', { hasText: '信息学院研究生党支部 · 季度工作汇报' });
      expect(text((await after.innerHTML()) ?? '')).toMatch(
        /上次电话：2010年9月28日（星期二）10:\d\d · office@example\.org · 未接通 · 记录：办公室电话无人接听/,
      );
    } finally {
      await browser.close();
    }
  });
});

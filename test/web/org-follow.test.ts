/**
 * A roster re-imported into a campaign that holds its organisation by reference (as the command
 * line and the console start one): a student branch founded, one dissolved. The console's preview
 * says the founded branch joins every cycle opened from then on and the dissolved one is opened
 * nothing more; confirmed, the page names the version the campaign now follows and each
 * obligation's next cycle, its day with the weekday. In a real browser at a phone's width: axe-core
 * finds no serious violation and nothing scrolls sideways (test-artifacts/console/org-follow*.png).
 * The preview lists the quarter open now with a box for the founded branch; the office ticks it,
 * and the branch joins. The API's dry run says the campaign would follow the file and lists the
 * quarter open with nobody left to join it; a choice naming a cycle not open, or a unit that has
 * its deadline already, is a 400 naming the field; asked to join again, nobody joins.
 * `appoint --org` says the same on the command line, for a third roster founding two branches:
 * the dry run offers both, `--join-unit` has one of them join the quarter and not the other.
 * On the dev server with a worker process and the mini plan, from 2010-09-10 (the quarterly
 * report's third quarter open, the fourth the next); test/engine/org-follows-reimport.test.ts
 * runs the campaign on to that cycle.
 */
import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { expectFitsPhone, launchBrowser, phonePage } from '../helpers/browser';
import { runCli } from '../helpers/processes';
import { formPost, pageText as text, sessionCookie, startWebHarness, type WebHarness } from '../helpers/web';
import { DISSOLVED, FOUNDED, miniOrgFoundedAndDissolvedText } from '../helpers/mini-reimport';

const PAGE = '/console/mini/org';
const ARTIFACTS = path.join(__dirname, '..', '..', 'test-artifacts', 'console');

describe('a re-imported roster that founds a branch and dissolves one, on a campaign by reference', () => {
  let h: WebHarness;
  let office: Record<string, string>;
  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    h = await startWebHarness({ orgByReference: true, listen: true });
    office = { cookie: await sessionCookie(h, 'office@example.org') };
  });
  afterAll(async () => {
    await h?.stop();
  });

  const roster = miniOrgFoundedAndDissolvedText();

  it('the console previews it, takes it, and says from which cycle the founded branch takes part', async () => {
    const file = path.join(h.dir, '名册-新建支部.yaml');
    await writeFile(file, roster);
    const browser = await launchBrowser();
    let preview: string;
    let said: string;
    try {
      const page = await phonePage(browser, h.config.BASE_URL, await sessionCookie(h, 'office@example.org'));
      await page.goto(`${h.config.BASE_URL}${PAGE}`);
      expect(text(await page.content())).toContain(
        '此后开启的周期按新名册：新建的党支部从各事项的下一周期起参加（确认导入时可勾选它，让它一并参加正在进行的某一周期），名册中没有的单位不再开启新事项；已开启的事项照旧。',
      );
      await page.setInputFiles('input[name=org]', file);
      await page.getByRole('button', { name: '上传并预览' }).click();
      await page.locator('#preview').waitFor();
      preview = text(await page.content());
      await expectFitsPhone(page, path.join(ARTIFACTS, 'org-follow-preview.png'));
      // The quarter open now: the office has the founded branch report for it too.
      await page.getByLabel('信息学院本科生党支部（b-info-s2）').check();
      await page.check('input[name=confirm]');
      await page.getByRole('button', { name: '确认导入' }).click();
      await page.locator('#result').waitFor();
      said = text(await page.content());
      await expectFitsPhone(page, path.join(ARTIFACTS, 'org-follow.png'));
    } finally {
      await browser.close();
    }
    expect(preview).toContain('名册中新增的党支部（确认后参加各事项此后开启的周期） 信息学院本科生党支部（b-info-s2）');
    expect(preview).toContain(
      '名册中没有的单位（已开启的事项照常，邮件仍发往原联系人；此后开启的周期不再包括它们） 机械学院本科生第一党支部（b-mech-s1）',
    );

    // Version 1 is the organisation the campaign started on (stored by reference); the roster is 2.
    expect(said).toContain('通讯录已更新为第 2 版（7 个单位）');
    expect(said).toContain(
      '此后开启的周期按这份名册（第 2 版，7 个单位）：新增的党支部参加，名册中没有的单位不再包括。',
    );
    expect(said).toContain('季度工作汇报 2010年第四季度 · 开启 2010年12月6日（星期一）');
    expect(said).toContain('活动总结 一次性 · 开启 2011年1月5日（星期三）');
    expect(preview).toContain(
      '补充参加正在进行的周期：勾选的单位补建本期任务，并立即收到通知（不勾选则从各事项的下一周期起参加） 季度工作汇报 2010年第三季度 · 截止 2010年9月25日（星期六）23:59 信息学院本科生党支部（b-info-s2）',
    );
    expect(said).toContain(
      '正在进行的周期： 季度工作汇报 2010年第三季度 · 截止 2010年9月25日（星期六）23:59：补充参加 信息学院本科生党支部',
    );
    expect(said).toContain(
      '名册中新增的党支部 参加正在进行的周期和各事项此后开启的周期（见上）。 信息学院本科生党支部（b-info-s2）',
    );
    expect(await h.ledger.deadlineRows({ campaignId: 'mini', unitId: FOUNDED })).toEqual([
      expect.objectContaining({ obligationKey: 'quarterly-report', cycleKey: '2010-Q3' }),
    ]);
    // Its deadline's history says who had it join, and by which roster.
    const deadline = await h.app.inject({
      method: 'GET',
      url: `/console/mini/o/quarterly-report/2010-Q3/${FOUNDED}`,
      headers: office,
    });
    expect(text(deadline.body)).toContain('补充参加本期 · 按第 2 版名册 · 经办 office@example.org');

    // The campaign follows it: its directory lists the founded branch, not the dissolved one.
    const dir = await h.campaigns.directory('mini', true);
    expect(dir.orgRef?.version).toBe(2);
    expect(dir.units.map((u) => u.id)).toContain(FOUNDED);
    expect(dir.units.map((u) => u.id)).not.toContain(DISSOLVED);
    // Its lag will be counted under its name.
    expect((await h.ledger.units('mini')).map((u) => u.unitId)).toContain(FOUNDED);
    // The office's list of campaigns names the version it runs on now.
    const list = text((await h.app.inject({ method: 'GET', url: '/console', headers: office })).body);
    expect(list).toMatch(/校党委组织部（创先争优活动领导小组办公室） · 第2版/);
  });

  it('the API’s dry run says the campaign would follow the file', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/mini/org?dryRun=true',
      payload: { org: roster },
      headers: office,
    });
    expect(res.statusCode).toBe(200);
    // The same roster as the one it follows: nothing new, and it would follow it still.
    expect(res.json()).toMatchObject({
      updatesContacts: false,
      followsFile: true,
      newBranches: [],
      // Every unit of it has its quarter now: nobody would join it.
      openCycles: [{ obligationKey: 'quarterly-report', cycleKey: '2010-Q3', wouldJoin: [] }],
    });
    const take = (joinOpenCycles: unknown) =>
      h.app.inject({
        method: 'POST',
        url: '/api/v1/campaigns/mini/org',
        payload: { org: roster, joinOpenCycles },
        headers: office,
      });
    // Joining is all, none or a list of cycles, named when it is none of these.
    const bad = await take('yes');
    expect(bad.statusCode).toBe(400);
    expect(bad.body).toContain('joinOpenCycles');
    // A cycle not open now, and a unit with its deadline there already: each named, nothing recorded.
    const notOpen = await take([{ obligationKey: 'quarterly-report', cycleKey: '2010-Q4' }]);
    expect(notOpen.statusCode).toBe(400);
    expect(notOpen.json()).toMatchObject({
      title: '补充参加的选择有误',
      errors: [{ field: 'body.joinOpenCycles[0]' }],
      detail: expect.stringContaining('quarterly-report/2010-Q4 is not a cycle open now'),
    });
    const hasOne = await take([{ obligationKey: 'quarterly-report', cycleKey: '2010-Q3', unitIds: [FOUNDED] }]);
    expect(hasOne.statusCode).toBe(400);
    expect(hasOne.json()).toMatchObject({
      errors: [{ field: 'body.joinOpenCycles[0].unitIds[0]' }],
      detail: expect.stringContaining(
        `${FOUNDED} cannot join quarterly-report/2010-Q3: it has a deadline in it already`,
      ),
    });
    // The console's boxes too: each one a cycle and a unit, nothing else.
    const form = await formPost(
      h,
      `${PAGE}/confirm`,
      { confirm: 'yes', hash: `sha256:${'0'.repeat(64)}`, file: 'x.yaml', join: 'all' },
      office,
      PAGE,
    );
    expect(form.statusCode).toBe(400);
    expect(text(form.body)).toContain('补充参加的勾选项无法识别，请重新上传名册并预览。');
    // Asked of the roster it follows, in which every unit has its quarter now: nobody joins.
    const again = await h.app.inject({
      method: 'POST',
      url: '/api/v1/campaigns/mini/org',
      payload: { org: roster, joinOpenCycles: true },
      headers: office,
    });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({
      contacts: null,
      joined: { cycles: [{ obligationKey: 'quarterly-report', cycleKey: '2010-Q3', joined: [] }] },
    });
  });

  it('appoint --org says it on the command line: the version, the next cycles, the branches that may join and the one chosen', async () => {
    const third = roster.replace(
      '  - id: b-info-s2',
      [
        '  - id: b-mech-s2',
        '    name: 机械学院研究生党支部',
        '    kind: 学生',
        '    parent: c-mech',
        '    secretary: { name: 周强, email: zhou.qiang@example.org }',
        '  - id: b-mech-s3',
        '    name: 机械学院博士生党支部',
        '    kind: 学生',
        '    parent: c-mech',
        '    secretary: { name: 吴敏, email: wu.min@example.org }',
        '  - id: b-info-s2',
      ].join('\n'),
    );
    expect(third).not.toBe(roster);
    const file = path.join(h.dir, '名册-第三版.yaml');
    await writeFile(file, third);
    const cli = (args: string[]) =>
      runCli(['--lang', 'zh', 'appoint', 'mini', '--org', file, '--by', '组织部', ...args], {
        TEMPORAL_ADDRESS: h.config.temporal.address,
        LEDGER_URL: h.config.LEDGER_URL,
      });
    const dry = await cli(['--dry-run']);
    expect(dry.stderr).toBe('');
    expect(dry.stdout).toContain('b-mech-s2：新党支部，将参加各事项此后开启的周期');

    // The quarter open now, with the two founded branches that may join it.
    expect(dry.stdout).toContain(
      '正在进行的周期（加 --join-open，文件中尚无本期任务的单位，如新成立的党支部，一并参加；--join-cycle、--join-unit 只选其中的周期、单位）：\n  季度工作汇报 2010年第三季度，截止 2010年9月25日（星期六）23:59 [quarterly-report/2010-Q3]：可补充参加 b-mech-s2 机械学院研究生党支部、b-mech-s3 机械学院博士生党支部',
    );

    // A unit that would join nothing, or a cycle not open now: refused by name, the file not taken.
    const nobody = await cli(['--join-unit', 'b-mech-s9']);
    expect(nobody.code).toBe(1);
    expect(nobody.stderr).toContain('--join-unit: b-mech-s9 不能补充参加所选的任何周期');
    const q4 = await cli(['--join-cycle', 'quarterly-report/2010-Q4']);
    expect(q4.code).toBe(1);
    expect(q4.stderr).toContain('--join-cycle[0]: quarterly-report/2010-Q4 is not a cycle open now');
    const malformed = await cli(['--join-cycle', 'quarterly-report']);
    expect(malformed.stderr).toContain('"quarterly-report" is not <obligation>/<cycle>');
    expect((await h.campaigns.directory('mini', true)).orgRef?.version).toBe(2);

    const taken = await cli([]);
    expect(taken.stderr).toBe('');
    const lines = taken.stdout.split('\n');
    expect(lines).toContain('通讯录已更新为第 3 版（9 个单位）：此后的邮件按新通讯录发送，新任书记即可登录网页');
    expect(lines).toContain('此后开启的周期按第 3 版组织（9 个单位），首先是：');
    expect(lines).toContain('  季度工作汇报 2010年第四季度：2010年12月6日（星期一）开启');
    expect(lines).toContain('b-mech-s2：新党支部，参加各事项此后开启的周期（已开启的不含；加 --join-open 可一并参加）');
    expect((await h.campaigns.directory('mini', true)).orgRef?.version).toBe(3);

    // The same file again, the office choosing one of the two: it joins the quarter, the other does not.
    const one = await cli(['--join-unit', 'b-mech-s2']);
    expect(one.stderr).toBe('');
    expect(one.stdout.split('\n')).toContain(
      '季度工作汇报 2010年第三季度，截止 2010年9月25日（星期六）23:59：补充参加 b-mech-s2 机械学院研究生党支部',
    );
    expect(await h.ledger.deadlineRows({ campaignId: 'mini', unitId: 'b-mech-s2' })).toEqual([
      expect.objectContaining({ obligationKey: 'quarterly-report', cycleKey: '2010-Q3' }),
    ]);
    expect(await h.ledger.deadlineRows({ campaignId: 'mini', unitId: 'b-mech-s3' })).toEqual([]);
    // Then the quarter by name, every unit that may still join it: the other branch.
    const rest = await cli(['--join-cycle', 'quarterly-report/2010-Q3']);
    expect(rest.stderr).toBe('');
    expect(rest.stdout.split('\n')).toContain(
      '季度工作汇报 2010年第三季度，截止 2010年9月25日（星期六）23:59：补充参加 b-mech-s3 机械学院博士生党支部',
    );
  });
});

/**
 * The command line as a person runs it, against the dev server and the service's own worker
 * process: start (and the refusal of a second start), status, list from Temporal's visibility
 * with its filters, submit, extend, waive, advance, audit, and the error every bad request gets,
 * the unreachable server included.
 */
import path from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { campaignStarts } from '../../ledger/campaign-starts';
import { openSqlLedger } from '../../ledger/store';
import { listOutbox } from '../../mail/outbox';
import { freePort } from '../helpers/ports';
import { startDevStack, type DevStack } from '../helpers/dev-stack';
import { forgetCampaign } from '../helpers/forget-campaign';
import type { CliRun } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const PLAN = path.join(ROOT, 'test', 'fixtures', 'mini-plan.yaml');
const ORG = path.join(ROOT, 'test', 'fixtures', 'mini-org.yaml');
/** `start` of a plan as a rehearsal from 10:00 on 15 June 2010 (the branch plans, due 25 June, open), by 组织部 王芳. */
const rehearsalStart = (plan: string): string[] => [
  'start',
  '--plan',
  plan,
  '--org',
  ORG,
  '--rehearse-from',
  '2010-06-15T10:00',
  '--by',
  '组织部 王芳',
];

describe('the command line on the dev server', () => {
  let stack: DevStack;
  const cli = (args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> => stack.cli(args, extraEnv);
  const json = <T>(args: string[]): Promise<T> => stack.json<T>(args);
  /** Visibility is eventually consistent: ask again until the list says what is expected. */
  const listUntil = async (args: string[], expected: number): Promise<{ unitId: string; state: string }[]> => {
    let rows: { unitId: string; state: string }[] = [];
    for (let i = 0; i < 50; i++) {
      rows = await json(['list', 'mini', ...args]);
      if (rows.length === expected) return rows;
      await new Promise((r) => setTimeout(r, 300));
    }
    return rows;
  };

  beforeAll(async () => {
    stack = await startDevStack({ name: 'cli-e2e' });
  });
  afterAll(() => stack?.stop());

  it('starts a campaign once, lists its deadlines by filter, and takes submissions, extensions and waivers', async () => {
    // Live from 10:00 on 15 June 2010 in the plan's calendar: the branch plans (due 25 June) are open.
    const startedAsked = Date.now();
    const started = await cli(rehearsalStart(PLAN));
    // The campaign's clock started no later than this: its plan time now is at least as far past
    // 10:00 as the wall clock is past it.
    const startedBy = Date.now();
    expect(started).toMatchObject({ code: 0 });
    expect(started.stdout).toMatch(/已启动活动 mini/);
    const again = await cli(['start', '--plan', PLAN, '--org', ORG]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error \[CAMPAIGN_EXISTS\]/);
    // Who started it is in the ledger, once: the refused second start is not a start.
    const ledger = await openSqlLedger(stack.env.LEDGER_URL!);
    try {
      const starts = await campaignStarts(ledger, 'mini');
      expect(starts).toEqual([
        expect.objectContaining({ by: '组织部 王芳', via: 'cli', at: expect.stringMatching(/^2010-06-15T02:00/) }),
      ]);
      expect(starts[0]!.rehearsalScale).toBe(1);
      // An id whose history the ledger keeps, the engine no longer holding its campaign, is refused.
      await ledger.upsertUnits([
        { campaignId: 'mini-gone', unitId: 'b-mech-t1', name: '教工第一支部', level: 'branch' },
      ]);
    } finally {
      await ledger.close();
    }
    const gonePlan = path.join(stack.dir, 'mini-gone.yaml');
    await writeFile(gonePlan, (await readFile(PLAN, 'utf8')).replace(/^id: mini$/m, 'id: mini-gone'));
    const gone = await cli(['start', '--plan', gonePlan, '--org', ORG]);
    expect(gone.code).toBe(1);
    expect(gone.stderr).toMatch(/^error \[CAMPAIGN_EXISTS\]: the ledger holds a campaign with id "mini-gone"/);
    expect(await cli(['status', 'mini-gone'])).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('CAMPAIGN_NOT_FOUND'),
    });

    const all = await listUntil([], 4);
    expect(all.map((d) => d.unitId).sort()).toEqual(['b-info-s1', 'b-info-t1', 'b-mech-s1', 'b-mech-t1']);
    expect(all.map((d) => d.state)).toEqual(['green', 'green', 'green', 'green']);
    expect((await listUntil(['--committee', 'c-mech'], 2)).map((d) => d.unitId).sort()).toEqual([
      'b-mech-s1',
      'b-mech-t1',
    ]);
    expect(await listUntil(['--state', 'green', '--obligation', 'branch-plan'], 4)).toHaveLength(4);
    expect(await json(['list', 'mini', '--state', 'red'])).toEqual([]);
    expect(await json(['list', 'mini', '--obligation', 'quarterly-report'])).toEqual([]);

    // A header, each unit's name beside its id, a total; Chinese by default, English on request.
    const table = (await cli(['list', 'mini'])).stdout.split('\n');
    expect(table[0]).toMatch(/^状态\s+单位\s+事项 周期\s+截止\s+下一步$/);
    expect(table).toContainEqual(
      expect.stringMatching(
        /^绿（未到期）\s+b-info-s1 信息学院研究生党支部\s+branch-plan once\s+2010年6月25日（星期五）23:59/,
      ),
    );
    expect(table).toContain('共 4 项');
    const english = (await cli(['list', 'mini', '--lang', 'en'])).stdout.split('\n');
    expect(english[0]).toMatch(/^state\s+unit\s+obligation cycle\s+due\s+next step$/);
    expect(english).toContainEqual(
      expect.stringMatching(
        /^green \(open\)\s+b-info-s1 信息学院研究生党支部\s+branch-plan once\s+Fri 25 Jun 2010 23:59/,
      ),
    );
    expect(english).toContain('4 in all');

    const receipt = await json<{ onTime: boolean; lateMs: number }>([
      'submit',
      'mini',
      'branch-plan',
      'once',
      'b-mech-t1',
      '--by',
      '张伟',
      '--text',
      '支部实施方案',
    ]);
    expect(receipt).toMatchObject({ onTime: true, lateMs: 0 });
    const extended = await json<{ dueAt: string }>([
      'extend',
      'mini',
      'branch-plan',
      'once',
      'b-mech-s1',
      '--until',
      '2010-07-05T17:00',
      '--by',
      '组织部',
      '--reason',
      '书记出差',
    ]);
    expect(extended.dueAt).toBe('2010-07-05T09:00:00.000Z');
    await json(['waive', 'mini', 'branch-plan', 'once', 'b-info-t1', '--by', '组织部', '--reason', '支部撤并']);
    // The office corrects the report received: recorded beside it, numbered, on the plan's clock.
    const correct = ['correct', 'mini', 'branch-plan', 'once', 'b-mech-t1', '--by', '组织部', '--reason', '发错了版本'];
    expect(await json([...correct, '--text', '支部实施方案（修订稿）'])).toMatchObject({
      id: 'mini/branch-plan/once/b-mech-t1:correction:1',
      kind: 'submission-corrected',
      actor: '组织部',
      data: { correction: 1, text: '支部实施方案（修订稿）', attachments: [] },
      mail: { status: 'sent', accepted: ['liu.yang@example.org'] },
    });
    const second = (await cli([...correct, '--text', '支部实施方案（定稿）'])).stdout;
    expect(second).toMatch(/^已更正（第 2 次）：2010年6月15日（星期二）\d\d:\d\d$/m);
    expect(second).toMatch(/^已邮件告知 liu\.yang@example\.org$/m);
    // The unit heard of each correction, once, as from the console; --no-mail records one and mails nobody.
    const corrections = async () =>
      (await listOutbox(path.join(stack.dir, 'outbox'))).filter((m) => m.subject.startsWith('【报送更正】'));
    expect((await corrections()).map((m) => m.to)).toEqual([
      expect.stringContaining('liu.yang@example.org'),
      expect.stringContaining('liu.yang@example.org'),
    ]);
    expect(await json([...correct, '--text', '支部实施方案（第三稿）', '--no-mail'])).toMatchObject({
      data: { correction: 3 },
      mail: null,
    });
    expect(await corrections()).toHaveLength(2);
    expect((await listUntil([], 2)).map((d) => d.unitId).sort()).toEqual(['b-info-s1', 'b-mech-s1']);

    // status: the plan time now (not the campaign's last wake-up, at its start here) and the
    // same counts as list, which the deadlines' colours in visibility give both.
    const asked = Date.now();
    const s = await json<{ now: string; open: number; counts: Record<string, number> }>(['status', 'mini']);
    expect(Date.parse(s.now)).toBeGreaterThanOrEqual(Date.parse('2010-06-15T02:00:00Z') + (asked - startedBy));
    expect(Date.parse(s.now)).toBeLessThanOrEqual(Date.parse('2010-06-15T02:00:00Z') + (Date.now() - startedAsked));
    const open = await json<{ state: string }[]>(['list', 'mini']);
    expect(s.open).toBe(open.length);
    for (const colour of ['green', 'blue', 'yellow', 'red'])
      expect([colour, s.counts[colour]]).toEqual([colour, open.filter((d) => d.state === colour).length]);
    expect(s.counts.closed).toBe(2); // one submitted, one waived
    const status = await cli(['status', 'mini']);
    expect(status.code).toBe(0);
    // The phase by its name, with the key that `advance --to` takes.
    expect(status.stdout).toMatch(/^当前阶段：动员部署（mobilise）$/m);
    expect(status.stdout).toMatch(/^ {2}全面争创（engage）\s+2010年7月1日/m);
    expect(status.stdout).toMatch(/^未结事项：2（绿（未到期） 2，蓝（临近截止） 0，黄（逾期） 0，红（已督办） 0）$/m);
    expect(status.stdout).not.toMatch(/phase|deadlines|open|next|\bnow\b|\d{4}-\d\d-\d\dT/);
    const statusEn = await cli(['status', 'mini'], { LANG: 'en_GB.UTF-8' });
    expect(statusEn.stdout).toMatch(/^current phase: Mobilisation \(mobilise\)$/m);
    expect(statusEn.stdout).toMatch(/^ {2}Full engagement \(engage\)\s+Thu 1 Jul 2010/m);
    expect(statusEn.stdout).toMatch(/^plan time now: \w{3} \d+ \w+ 2010 \d\d:\d\d$/m);
    expect(statusEn.stdout).not.toMatch(/当前|未结|计划时间|由党委决定/);
    // Who started it, from the ledger, as the console's dashboard says it.
    expect(status.stdout).toMatch(
      /^发起：组织部 王芳 · 经命令行 · \d{4}年\d+月\d+日（星期[一二三四五六日]）\d\d:\d\d · 演练（按实际时间推进）$/m,
    );
    expect(statusEn.stdout).toMatch(
      /^started by 组织部 王芳 · from the command line · \w{3} \d+ \w{3} \d{4} \d\d:\d\d · a rehearsal, in real time$/m,
    );
    expect((s as { started?: unknown }).started).toMatchObject({ by: '组织部 王芳', via: 'cli', rehearsalScale: 1 });
    // A ledger file that does not exist is not created for it: status answers from Temporal alone.
    const noLedger = path.join(stack.dir, 'no-such-ledger.sqlite');
    const bare = await cli(['status', 'mini'], { LEDGER_URL: `sqlite:${noLedger}` });
    expect(bare.code).toBe(0);
    expect(bare.stdout).toMatch(/^当前阶段：动员部署（mobilise）$/m);
    expect(bare.stdout).not.toMatch(/发起/);
    expect(existsSync(noLedger)).toBe(false);
    // A ledger that cannot be opened is named on stderr, its password masked; status still answers.
    const down = await cli(['status', 'mini'], { LEDGER_URL: 'postgres://ledger:s3cret@127.0.0.1:1/ledger' });
    expect(down.code).toBe(0);
    expect(down.stdout).toMatch(/^当前阶段：动员部署（mobilise）$/m);
    expect(down.stderr).toMatch(
      /^（台帐无法打开，未列出发起人：cannot open the ledger at postgres:\/\/ledger:\*+@127\.0\.0\.1:1\/ledger/m,
    );
    expect(down.stderr).not.toContain('s3cret');

    // outbox: China time with the weekday, like every other command; one language at a time.
    let mail: string[] = [];
    for (let i = 0; i < 50 && mail.length < 3; i++) {
      mail = (await cli(['outbox', 'list'])).stdout.trim().split('\n');
      if (mail.length < 3) await new Promise((r) => setTimeout(r, 300));
    }
    expect(mail[0]).toMatch(/^\s*序号\s+日期\s+收件人\s+主题$/);
    expect(mail[1]).toMatch(/^\s+1 {2}\d{4}年\d+月\d+日（星期[一二三四五六日]）\d\d:\d\d {2}\S/);
    expect(mail.at(-1)).toMatch(/^共 \d+ 封$/);
    const shown = (await cli(['outbox', 'show', '1'])).stdout;
    expect(shown).toMatch(/^日期：\d{4}年\d+月\d+日（星期[一二三四五六日]）\d\d:\d\d$/m);
    expect(shown).toMatch(/^主题：【/m);
    expect((await cli(['outbox', 'show', '1', '--lang', 'en'])).stdout).toMatch(
      /^Date: \w{3} \d+ \w+ \d{4} \d\d:\d\d$/m,
    );

    const audit = await json<unknown[]>(['audit', '--campaign', 'mini', '--report', 'unit', '--unit', 'b-mech-t1']);
    expect(JSON.stringify(audit)).toMatch(/submission/);

    // A rehearsed campaign's audit counts from its plan time (mid-June 2010), not from today:
    // b-info-s1's plan, due 25 June 2010 and still open, is not missing yet, and the text says
    // which time it counted from. With --as-of after the due date, the same deadline is missing.
    const auditText = await cli(['audit', '--campaign', 'mini']);
    expect(auditText.code).toBe(0);
    expect(auditText.stdout).toMatch(/^统计截至 2010年6月1[5-9]日（星期.）\d\d:\d\d（活动计划时间）$/m);
    expect(auditText.stdout).not.toContain('b-info-s1');
    const auditAsked = Date.now();
    const byPlanTime = await json<{ asOf: string; lagging: { unitId: string; missing: number }[] }>([
      'audit',
      '--campaign',
      'mini',
      '--report',
      'lagging',
    ]);
    expect(Date.parse(byPlanTime.asOf)).toBeGreaterThanOrEqual(
      Date.parse('2010-06-15T02:00:00Z') + (auditAsked - startedBy),
    );
    expect(Date.parse(byPlanTime.asOf)).toBeLessThanOrEqual(
      Date.parse('2010-06-15T02:00:00Z') + (Date.now() - startedAsked),
    );
    expect(byPlanTime.lagging).toEqual([]);
    const afterDue = await json<{ lagging: { unitId: string; missing: number }[] }>([
      'audit',
      '--campaign',
      'mini',
      '--report',
      'lagging',
      '--as-of',
      '2010-06-26T09:00',
    ]);
    expect(afterDue.lagging.map((l) => [l.unitId, l.missing])).toEqual([['b-info-s1', 1]]);
  });

  it('says of a campaign the engine no longer holds that the ledger keeps its history, and who started it', async () => {
    const oldPlan = path.join(stack.dir, 'mini-old.yaml');
    await writeFile(oldPlan, (await readFile(PLAN, 'utf8')).replace(/^id: mini$/m, 'id: mini-old'));
    expect(await cli(rehearsalStart(oldPlan))).toMatchObject({ code: 0 });
    // Past its retention the engine forgets a campaign; here it is deleted at once.
    const connection = await Connection.connect({ address: stack.env.TEMPORAL_ADDRESS! });
    try {
      await forgetCampaign(new Client({ connection }), 'mini-old');
      let gone = await cli(['status', 'mini-old']);
      // Deleting is asynchronous: until it is done, status says the campaign was terminated.
      for (let i = 0; i < 50 && !gone.stderr.includes('CAMPAIGN_NOT_FOUND'); i++) {
        await new Promise((r) => setTimeout(r, 200));
        gone = await cli(['status', 'mini-old']);
      }
      expect(gone.code).toBe(1);
      expect(gone.stderr).toMatch(
        /^error \[CAMPAIGN_NOT_FOUND\]: 活动 "mini-old"（创先争优测试活动）已不在引擎中（已结束并过了保存期限，或已被删除）；台帐保存着它的记录（组织部 王芳 于 \d{4}年\d+月\d+日（星期[一二三四五六日]）\d\d:\d\d 发起）：npm run cli -- audit --campaign mini-old$/m,
      );
      const english = await cli(['status', 'mini-old', '--lang', 'en']);
      expect(english.stderr).toMatch(
        /campaign "mini-old" \(\S+\) is no longer in the engine .*started by 组织部 王芳 on \w{3} \d+ \w{3} \d{4} \d\d:\d\d\): npm run cli -- audit --campaign mini-old$/m,
      );
    } finally {
      await connection.close();
    }
  });

  it('answers every bad request with an error that says what is wrong', async () => {
    const bad = async (args: string[], extra: Record<string, string> = {}) => {
      const r = await cli(args, extra);
      expect(r.code).toBe(1);
      return r.stderr.trim();
    };
    expect(await bad(['submit', 'mini', 'branch-plan', 'once', 'b-nobody', '--by', 'x', '--text', 'y'])).toMatch(
      /^error \[UNKNOWN_UNIT\]: unknown unit "b-nobody"/,
    );
    expect(await bad(['submit', 'mini', 'branch-plans', 'once', 'b-mech-s1', '--by', 'x', '--text', 'y'])).toMatch(
      /^error \[UNKNOWN_OBLIGATION\]: unknown obligation "branch-plans"/,
    );
    expect(
      await bad(['submit', 'mini', 'quarterly-report', '2010-Q3', 'b-mech-s1', '--by', 'x', '--text', 'y']),
    ).toMatch(/^error \[CYCLE_NOT_OPEN\]: cycle "2010-Q3" of quarterly-report is not open/);
    expect(
      await bad(['submit', 'mini', 'branch-plan', 'once', 'b-mech-t1', '--by', '张伟', '--text', '另一份']),
    ).toMatch(/^error \[REJECTED\]: .*already submitted/);
    const correct = ['correct', 'mini', 'branch-plan', 'once', '--by', '组织部', '--reason', '改'];
    expect(await bad([...correct, 'b-mech-s1', '--text', '改'])).toMatch(
      /^error \[NOT_SUBMITTED\]: b-mech-s1 尚未报送 branch-plan once，没有可更正的内容$/,
    );
    expect(await bad([...correct, 'b-mech-t1', '--text', '改', '--attach', 'report.pdf'])).toMatch(
      /^error: --attach：“report.pdf”不是 sha256:<64位十六进制>$/,
    );
    expect(await bad(['advance', 'mini', '--to', 'mobilise', '--by', '校党委', '--reason', '试'])).toMatch(
      /^error \[REJECTED\]: advance: phases only move forward/,
    );
    expect(await bad(['list', 'mini', '--state', 'purple'])).toMatch(/--state must be one of green, blue, yellow, red/);
    expect(await bad(['status', 'nope'])).toMatch(/^error \[CAMPAIGN_NOT_FOUND\]/);
    const port = await freePort(); // nothing listens there
    expect(
      await bad(['status', 'mini'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, LANG: 'C.UTF-8', LC_ALL: '' }),
    ).toMatch(
      new RegExp(
        `^error \\[SERVER_UNREACHABLE\\]: 无法连接 Temporal 服务器 127\\.0\\.0\\.1:${port}：请检查 TEMPORAL_ADDRESS 以及服务器是否在运行$`,
      ),
    );
    expect(
      await bad(['status', 'mini'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}`, LANG: 'en_GB.UTF-8', LC_ALL: '' }),
    ).toMatch(
      new RegExp(`^error \\[SERVER_UNREACHABLE\\]: cannot reach the Temporal server at 127\\.0\\.0\\.1:${port}`),
    );
  });
});

/**
 * Every `--json` output is exactly one JSON document on stdout, whatever the command logs on the
 * way (the test server's "listening on …", the SDK's warnings): each command that takes `--json`
 * is run as a person runs it, on the dev server with the service's worker or on a rehearsal's
 * own time-skipping server, and its whole stdout goes through JSON.parse.
 */
import os from 'node:os';
import path from 'node:path';
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { buildProgram } from '../../client/cli/main';
import { campaignStarts } from '../../ledger/campaign-starts';
import { openSqlLedger } from '../../ledger/store';
import { startDevStack, type DevStack } from '../helpers/dev-stack';

const ROOT = path.resolve(__dirname, '..', '..');
const PLAN = path.join(ROOT, 'test', 'fixtures', 'mini-plan.yaml');
const ORG = path.join(ROOT, 'test', 'fixtures', 'mini-org.yaml');
const BEHAVIOUR = path.join(ROOT, 'test', 'fixtures', 'mini-behaviour.yaml');

/** `outbox list`, `status`, …: every command (by its full name) that takes --json. */
function commandsWithJson(c: Command, prefix = ''): string[] {
  return c.commands.flatMap((sub) => {
    const name = `${prefix}${sub.name()}`;
    const own = sub.options.some((o) => o.long === '--json') ? [name] : [];
    return [...own, ...commandsWithJson(sub, `${name} `)];
  });
}

describe('--json', () => {
  let stack: DevStack;
  const ran = new Set<string>();

  /** Runs a command with --json and parses its stdout: the test fails on anything else there. */
  const json = async (command: string, args: string[] = []): Promise<unknown> => {
    const r = await stack.cli([...command.split(' '), ...args, '--json']);
    if (r.code !== 0) throw new Error(`${command} failed (${r.code}): ${r.stderr}`);
    ran.add(command);
    try {
      return JSON.parse(r.stdout);
    } catch (err) {
      throw new Error(`${command} --json printed more than one JSON document: ${(err as Error).message}\n${r.stdout}`);
    }
  };

  beforeAll(async () => {
    stack = await startDevStack({ name: 'json-e2e' });
  });
  afterAll(() => stack?.stop());

  it('is one JSON document on stdout for every command that takes it', async () => {
    expect(await json('preview', [PLAN, '--org', ORG])).toMatchObject({ plan: 'mini' });
    expect(
      await json('start', [
        '--plan',
        PLAN,
        '--org',
        ORG,
        '--rehearse-from',
        '2010-06-15T10:00',
        '--rehearse-speed',
        '1',
      ]),
    ).toMatchObject({ campaignId: 'mini' });
    // Started without `--by`: the ledger names the user who ran the command.
    const ledger = await openSqlLedger(stack.env.LEDGER_URL!);
    try {
      expect((await campaignStarts(ledger, 'mini')).map((s) => [s.by, s.via])).toEqual([
        [os.userInfo().username, 'cli'],
      ]);
    } finally {
      await ledger.close();
    }
    expect(await json('status', ['mini'])).toMatchObject({ campaignId: 'mini', currentPhase: 'mobilise' });
    expect(Array.isArray(await json('list', ['mini']))).toBe(true);
    const deadline = ['mini', 'branch-plan', 'once'];
    expect(await json('submit', [...deadline, 'b-mech-t1', '--by', '张伟', '--text', '方案'])).toMatchObject({
      onTime: true,
    });
    await json('extend', [
      ...deadline,
      'b-mech-s1',
      '--until',
      '2010-07-05T17:00',
      '--by',
      '组织部',
      '--reason',
      '出差',
    ]);
    await json('waive', [...deadline, 'b-info-t1', '--by', '组织部', '--reason', '撤并']);
    const corrected = ['--by', '组织部', '--reason', '发错了版本', '--text', '方案（修订稿）'];
    expect(await json('correct', [...deadline, 'b-mech-t1', ...corrected])).toMatchObject({
      kind: 'submission-corrected',
    });
    expect(await json('advance', ['mini', '--to', 'engage', '--by', '校党委', '--reason', '提前'])).toMatchObject({
      phaseKey: 'engage',
    });
    // The mini plan opens nothing on an appointment: the answer says so, as one document.
    expect(await json('appoint', ['mini', 'b-mech-s1', '--secretary', '周敏', '--by', '组织部'])).toEqual({
      opened: [],
      alreadyOpen: [],
      notOpened: [],
    });
    // The mini organisation leaves one branch without an address; the outbox refuses nothing.
    expect(await json('contacts', ['mini'])).toEqual({
      noAddress: [
        {
          unitId: 'b-info-s1',
          unitName: '信息学院研究生党支部',
          toldInstead: { unitId: 'c-info', unitName: '信息学院党总支' },
        },
      ],
      refused: [],
      deferred: [],
    });
    expect(await json('digest', ['mini', 'on'])).toEqual({ campaignId: 'mini', digest: true });
    await json('end-phase', ['mini', 'engage', '--by', '校党委', '--reason', '提前结束']);
    // The grading commands: last year's grades imported, this year's entered, shown, tabulated, checked.
    const past = path.join(stack.dir, '2009.csv');
    await writeFile(past, '年度,支部编号,等级\n2009,b-mech-t1,A\n2009,b-mech-s1,B\n');
    expect(await json('grade import', ['--campaign', 'mini', '--file', past, '--by', '组织部'])).toBeTruthy();
    const grading = ['--campaign', 'mini', '--year', '2010'];
    const entered = ['--committee', 'c-mech', '--by', '李书记', '--grade', 'b-mech-t1=B', 'b-mech-s1=C'];
    expect(await json('grade enter', [...grading, ...entered])).toBeTruthy();
    expect(await json('grade show', grading)).toHaveProperty('rows');
    expect(await json('grade tables', grading)).toBeTruthy();
    expect(await json('grade nomination', ['--campaign', 'mini', '--unit', 'b-mech-t1'])).toMatchObject({
      unitId: 'b-mech-t1',
      eligible: true,
    });
    expect(await json('audit', ['--campaign', 'mini'])).toHaveProperty('lagging');
    expect(Array.isArray(await json('outbox list'))).toBe(true);
    const attachments = ['--dir', path.join(stack.dir, 'attachments'), '--dry-run'];
    expect(await json('attachments sweep', attachments)).toMatchObject({ dryRun: true, removed: [], leftovers: 0 });
    // Last on the dev server: the office stops the campaign.
    expect(await json('stop', ['mini', '--by', '组织部', '--reason', '测试结束'])).toMatchObject({
      by: '组织部',
      reason: '测试结束',
    });

    // On its own time-skipping server, which logs as it starts, as does the SDK's native side.
    const out = path.join(stack.dir, 'rehearsal');
    const sim = await json('simulate', ['--plan', PLAN, '--org', ORG, '--behaviour', BEHAVIOUR, '--out', out]);
    expect(sim).toMatchObject({ campaignId: 'mini' });
    const outbox = (await json('outbox list', ['--dir', path.join(out, 'outbox')])) as unknown[];
    expect(outbox.length).toBeGreaterThan(0);

    expect([...ran].sort()).toEqual(commandsWithJson(buildProgram()).sort());
  });
});

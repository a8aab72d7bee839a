/**
 * The command line as a person runs it, against the dev server and the service's own worker
 * process: start (and the refusal of a second start), status, list from Temporal's visibility
 * with its filters, submit, extend, waive, advance, audit, and the error every bad request gets,
 * the unreachable server included.
 */
import path from 'node:path';
import os from 'node:os';
import { mkdtemp, rm } from 'node:fs/promises';
import { freePort } from '../helpers/postgres';
import { runCli, startDevServer, startWorkerProcess, type CliRun, type Proc } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const PLAN = path.join(ROOT, 'test', 'fixtures', 'mini-plan.yaml');
const ORG = path.join(ROOT, 'test', 'fixtures', 'mini-org.yaml');

describe('the command line on the dev server', () => {
  let dir: string;
  let server: Proc;
  let worker: Proc;
  let env: Record<string, string>;

  const cli = (args: string[], extraEnv: Record<string, string> = {}): Promise<CliRun> =>
    runCli(args, { ...env, ...extraEnv });
  const json = async <T>(args: string[]): Promise<T> => {
    const r = await cli([...args, '--json']);
    if (r.code !== 0) throw new Error(`${args.join(' ')} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
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
    dir = await mkdtemp(path.join(os.tmpdir(), 'cli-e2e-'));
    const port = await freePort();
    server = await startDevServer({ dbFile: path.join(dir, 'temporal.sqlite'), port });
    env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${port}`,
      TASK_QUEUE: 'cli-e2e',
      LEDGER_URL: `sqlite:${path.join(dir, 'ledger.sqlite')}`,
      MAIL_URL: `outbox:${path.join(dir, 'outbox')}`,
    };
    worker = await startWorkerProcess(env);
  });
  afterAll(async () => {
    await worker?.kill();
    await server?.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  });

  it('starts a campaign once, lists its deadlines by filter, and takes submissions, extensions and waivers', async () => {
    // Live from 10:00 on 15 June 2010 in the plan's calendar: the branch plans (due 25 June) are open.
    const started = await cli(['start', '--plan', PLAN, '--org', ORG, '--rehearse-from', '2010-06-15T10:00']);
    expect(started).toMatchObject({ code: 0 });
    expect(started.stdout).toMatch(/started campaign mini/);
    const again = await cli(['start', '--plan', PLAN, '--org', ORG]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/^error \[CAMPAIGN_EXISTS\]/);

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

    const table = await cli(['list', 'mini']);
    expect(table.stdout).toMatch(/green\s+b-info-s1\s+branch-plan once/);

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
    expect((await listUntil([], 2)).map((d) => d.unitId).sort()).toEqual(['b-info-s1', 'b-mech-s1']);

    const status = await cli(['status', 'mini']);
    expect(status.code).toBe(0);
    expect(status.stdout).toMatch(/current phase\s+mobilise/);

    const audit = await json<unknown[]>(['audit', '--campaign', 'mini', '--report', 'unit', '--unit', 'b-mech-t1']);
    expect(JSON.stringify(audit)).toMatch(/submission/);
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
    expect(await bad(['advance', 'mini', '--to', 'mobilise', '--by', '校党委', '--reason', '试'])).toMatch(
      /^error \[REJECTED\]: advance: phases only move forward/,
    );
    expect(await bad(['list', 'mini', '--state', 'purple'])).toMatch(/--state must be one of green, blue, yellow, red/);
    expect(await bad(['status', 'nope'])).toMatch(/^error \[CAMPAIGN_NOT_FOUND\]/);
    const port = await freePort(); // nothing listens there
    expect(await bad(['status', 'mini'], { TEMPORAL_ADDRESS: `127.0.0.1:${port}` })).toMatch(
      new RegExp(`^error \\[SERVER_UNREACHABLE\\]: cannot reach the Temporal server at 127\\.0\\.0\\.1:${port}`),
    );
  });
});

/**
 * The command line meets bad files as a person would: `preview` of a plan with an impossible
 * date, or of a 50 MB plan, ends at once with the error naming file, line and field (exit 1),
 * never with a TypeError or an out-of-memory crash.
 */
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli as cli } from '../helpers/processes';

const ROOT = path.resolve(__dirname, '..', '..');
const BAD = path.join(ROOT, 'test', 'fixtures', 'bad');

describe('preview with a bad plan', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'bad-input-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it.each([
    ['plan-feb-30.yaml', ':29:16 obligations[0].due.at: "2010-02-30" is not a day of the calendar'],
    ['plan-month-13.yaml', ':12:10 phases[0].end: "2010-13-45" has no month 13'],
  ])('%s: names file, line and field', async (name, says) => {
    const r = await cli(['preview', path.join(BAD, name)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('error [PLAN_INVALID]: plan ');
    expect(r.stderr).toContain(`${path.join(BAD, name)}${says}`);
    expect(r.stderr).not.toMatch(/TypeError|Cannot read properties/);
  });

  it('a 50 MB plan is refused unread', async () => {
    const file = path.join(dir, 'huge.yaml');
    await writeFile(file, '');
    await truncate(file, 50_000_000);
    const r = await cli(['preview', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${file} (root): the file is 50.0 MB; a plan file may be at most 1.0 MB`);
  });
});

describe('requests with bad ids or instants, refused before any server is asked', () => {
  // Nothing listens on this address: each refusal must come before a connection.
  const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };

  it.each([
    [['list', 'mini', '--committee', 'c-mech\\'], '--committee: "c-mech\\\\" is not an id of letters, digits'],
    [['list', 'mini', '--cycle', "2010-Q3' OR CampaignId != '"], '--cycle: '],
    [['list', "mini'"], 'campaign: "mini\'" is not an id of lower-case letters'],
  ])('%j', async (args, says) => {
    const r = await cli(args, env);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`error [ID_INVALID]: ${says}`);
  });

  it('start with a plan date that is no day, and audit with an --as-of that is none', async () => {
    const start = await cli(['start', '--plan', path.join(BAD, 'plan-feb-30.yaml'), '--org', 'x.yaml'], env);
    expect(start.stderr).toContain('error [PLAN_INVALID]');
    const audit = await cli(['audit', '--campaign', 'mini', '--as-of', '2010-02-30', '--ledger', 'sqlite::memory:']);
    expect(audit.stderr).toContain('error [INSTANT_INVALID]: --as-of: "2010-02-30" is not a day of the calendar');
  });
});

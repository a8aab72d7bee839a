/**
 * The corpus of malformed inputs (test/fixtures/bad/): every file is refused by its loader with
 * the typed error of its kind, naming the file, the line where there is one and the field, in a
 * short message of plain text. A new file in the folder needs its expectation here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { loadBehaviourFile } from '../../rehearsal/behaviour-file';
import type { FileIssue } from '../../domain/errors';
import { parsePlan } from '../../domain/plan-loader';
import { parseOrg } from '../../domain/org-loader';

const DIR = path.resolve(__dirname, '..', 'fixtures', 'bad');

/** File → the field named (path, '' for the whole file), the line (if the file has one there) and words of the message. */
const EXPECTED: Record<string, { path: string; line?: number; says: string }> = {
  'plan-feb-30.yaml': { path: 'obligations[0].due.at', line: 29, says: '"2010-02-30" is not a day of the calendar' },
  'plan-month-13.yaml': { path: 'phases[0].end', line: 12, says: '"2010-13-45" has no month 13' },
  'plan-feb-29-not-leap.yaml': { path: 'phases[0].start', line: 11, says: '2010-02 has 28 days' },
  'plan-dst-gap-new-york.yaml': {
    path: 'obligations[2].due.at',
    line: 56,
    says: '"2011-03-13T02:30" does not exist in America/New_York',
  },
  'plan-dst-gap-shanghai-1986.yaml': {
    path: 'obligations[0].due.at',
    line: 29,
    says: '"1986-05-04T02:30" does not exist in Asia/Shanghai',
  },
  'plan-time-24h.yaml': { path: 'obligations[2].due.at', line: 56, says: 'no such time of day' },
  'plan-year-9999.yaml': { path: 'phases[1].end', line: 17, says: 'outside the years 1970 to 2100' },
  'plan-huge-offset.yaml': { path: 'obligations[1].opens', line: 44, says: 'an offset of at most 10 years' },
  'plan-bad-zone.yaml': { path: 'timeZone', line: 6, says: 'unknown time zone "Asia/Beijing"' },
  'plan-key-with-quote.yaml': { path: 'obligations[0].key', line: 24, says: 'an id of lower-case letters' },
  'plan-not-yaml.yaml': { path: '', line: 4, says: 'not valid YAML/JSON' },
  'plan-duplicate-field.yaml': { path: '', line: 6, says: 'Map keys must be unique' },
  'plan-empty.yaml': { path: '', says: 'the file is empty' },
  'plan-list-not-map.json': { path: '', line: 1, says: 'expected object, got array' },
  'plan-alias-bomb.yaml': { path: '', says: 'too many aliases' },
  'plan-deep-nesting.yaml': { path: '', line: 1, says: 'nested too deeply' },
  'plan-binary.yaml': { path: '', line: 1, says: 'not a text file (a NUL byte here)' },
  'plan-latin1.yaml': { path: '', line: 3, says: 'not a text file (bytes that are not UTF-8 here)' },
  'org-alias-bomb.yaml': { path: '', says: 'too many aliases' },
  'org-binary.csv': { path: '', line: 1, says: 'not a text file' },
  'org-cycle.yaml': { path: 'committees[0].parent', line: 4, says: 'a cycle in the tree' },
  'org-id-too-long.yaml': { path: 'branches[0].id', line: 17, says: 'at most 64 characters' },
  'org-id-with-backslash.yaml': { path: 'committees[0].id', line: 8, says: 'an id of letters, digits' },
  'org-unclosed-quote.csv': { path: '', line: 2, says: 'not valid CSV: Quote Not Closed' },
  'org-unknown-level.csv': { path: 'level', line: 3, says: 'unknown level "xxxxxxxx' },
  'behaviour-alias-bomb.yaml': { path: '', says: 'too many aliases' },
  'behaviour-feb-30.yaml': { path: 'actions[0].at', line: 3, says: '"2011-02-30" is not a day of the calendar' },
  'behaviour-hour-25.yaml': { path: 'rules[0].submit.at', line: 3, says: 'no such time of day' },
  'behaviour-dst-gap-shanghai-1986.yaml': {
    path: 'actions[0].newDue',
    line: 3,
    says: 'does not exist in Asia/Shanghai',
  },
  'behaviour-huge-late.yaml': { path: 'default.submit.late', line: 2, says: 'an offset of at most 10 years' },
};

const FIXTURES = path.resolve(__dirname, '..', 'fixtures');
const MINI_PLAN = parsePlan(readFileSync(path.join(FIXTURES, 'mini-plan.yaml'), 'utf8'), 'mini-plan.yaml');
const MINI_ORG = parseOrg(readFileSync(path.join(FIXTURES, 'mini-org.yaml'), 'utf8'), 'mini-org.yaml');

const CODES = { plan: 'PLAN_INVALID', org: 'ORG_INVALID', behaviour: 'BEHAVIOUR_INVALID' } as const;

function load(file: string): Promise<unknown> {
  const name = path.basename(file);
  if (name.startsWith('plan-')) return loadPlanFile(file);
  if (name.startsWith('org-')) return loadOrgFile(file);
  return loadBehaviourFile(file, { plan: MINI_PLAN, org: MINI_ORG });
}

describe('the corpus of malformed inputs', () => {
  const files = readdirSync(DIR).sort();

  it('has an expectation for every file, and a file for every expectation', () => {
    expect(files).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(files)('%s is refused with a typed error naming the file, the line and the field', async (name) => {
    const file = path.join(DIR, name);
    const err = (await load(file).then(
      () => new Error('accepted'),
      (e: unknown) => e,
    )) as Error & { code?: string; issues?: FileIssue[] };
    const kind = name.split('-')[0] as keyof typeof CODES;
    expect(err.code).toBe(CODES[kind]);
    const want = EXPECTED[name]!;
    const issue = err.issues!.find((i) => i.path === want.path);
    expect(issue).toBeDefined();
    expect(issue!.file).toBe(file);
    expect(issue!.line).toBe(want.line);
    expect(issue!.message).toContain(want.says);
    expect(err.message).toContain(want.line === undefined ? file : `${file}:${want.line}`);
    // Short and plain: no echo of binary content, no control characters, no runaway length.
    expect(err.message.length).toBeLessThan(400);
    const control = [...err.message].filter((c) => (c < ' ' && c !== '\n') || c === '\u007f' || c === '\uFFFD');
    expect(control).toEqual([]);
  });
});

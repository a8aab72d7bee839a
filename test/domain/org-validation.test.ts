import { readFileSync } from 'node:fs';
import { parseOrg } from '../../domain/org-loader';
import type { OrgValidationError } from '../../domain/errors';
import { loadOrgFile, orgFileText, parseOrgText, SAMPLE_ORG, SAMPLE_ORG_CSV } from '../../plans/load';
import { generateOrg } from '../../plans/generate-org';
import { stringify } from 'yaml';

const MINI = readFileSync(`${__dirname}/../fixtures/mini-org.yaml`, 'utf8');

function errorOf(fn: () => unknown): OrgValidationError {
  try {
    fn();
  } catch (err) {
    expect((err as Error).name).toBe('OrgValidationError');
    expect((err as OrgValidationError).code).toBe('ORG_INVALID');
    return err as OrgValidationError;
  }
  throw new Error('the organisation was accepted');
}
const lineOf = (text: string, needle: string): number => text.split('\n').findIndex((l) => l.includes(needle)) + 1;

describe('organisation files', () => {
  it('normalises a tree: committees under the office, branches under committees, the mail address', () => {
    const org = parseOrg(MINI, 'mini-org.yaml');
    expect(org.order).toHaveLength(7);
    expect(org.units['b-mech-t1']).toMatchObject({
      level: 'branch',
      parentId: 'c-mech',
      committeeId: 'c-mech',
      email: 'liu.yang@example.org',
    });
    expect(org.units['c-info']).toMatchObject({ parentId: 'office', committeeId: 'c-info' });
    expect(org.units['b-info-s1']!.email).toBeUndefined();
  });

  it('the sample organisation: 6 committees and 40 branches of every kind, the same from YAML and CSV', async () => {
    const yaml = await loadOrgFile(SAMPLE_ORG);
    const csv = await loadOrgFile(SAMPLE_ORG_CSV);
    expect(csv).toEqual(yaml);
    const units = Object.values(yaml.units);
    expect(units.filter((u) => u.level === 'committee')).toHaveLength(6);
    const branches = units.filter((u) => u.level === 'branch');
    expect(branches).toHaveLength(40);
    expect(new Set(branches.map((b) => b.kind))).toEqual(new Set(['教工', '学生', '机关', '教辅后勤']));
    // The shipped files are exactly what the generator makes.
    expect(parseOrg(stringify(generateOrg({ committees: 6, branches: 40, members: 5 })), 'generated.yaml')).toEqual(
      yaml,
    );
  });

  it('an unknown parent, with its line', () => {
    const text = MINI.replace(
      'parent: c-info\n    secretary: { name: 杨帆',
      'parent: c-nowhere\n    secretary: { name: 杨帆',
    );
    const err = errorOf(() => parseOrg(text, 'org.yaml'));
    expect(err.issues[0]).toMatchObject({
      file: 'org.yaml',
      path: 'branches[2].parent',
      line: lineOf(text, 'parent: c-nowhere'),
    });
    expect(err.message).toContain('unknown parent "c-nowhere"');
  });

  it('a duplicate id', () => {
    const text = MINI.replace('id: b-info-s1', 'id: b-mech-t1');
    const err = errorOf(() => parseOrg(text, 'org.yaml'));
    expect(err.issues[0]!.path).toBe('branches[3].id');
    expect(err.message).toContain('duplicate id "b-mech-t1"');
  });

  it('a cycle in the tree', () => {
    const text = MINI.replace('    kind: 党总支\n', '    kind: 党总支\n    parent: c-mech\n').replace(
      '    kind: 直属党委\n',
      '    kind: 直属党委\n    parent: c-info\n',
    );
    const err = errorOf(() => parseOrg(text, 'org.yaml'));
    expect(err.message).toMatch(/a cycle in the tree: c-(mech|info) → c-(info|mech) → c-(mech|info)/);
  });

  it('a malformed email, and a committee secretary without one', () => {
    let err = errorOf(() => parseOrg(MINI.replace('chen.jing@example.org', 'chen.jing@'), 'org.yaml'));
    expect(err.issues[0]!.path).toBe('branches[1].secretary.email');
    expect(err.issues[0]!.line).toBe(lineOf(MINI, 'chen.jing@example.org'));
    err = errorOf(() =>
      parseOrg(
        MINI.replace('secretary: { name: 李书记, email: li.mech@example.org }', 'secretary: { name: 李书记 }'),
        'org.yaml',
      ),
    );
    expect(err.issues[0]!.path).toBe('committees[0].secretary.email');
    expect(err.message).toContain('is required');
  });

  it('an unknown branch kind names the kinds it accepts', () => {
    const err = errorOf(() =>
      parseOrg(MINI.replace('kind: 学生\n    parent: c-mech', 'kind: 研究生\n    parent: c-mech'), 'org.yaml'),
    );
    expect(err.issues[0]!.path).toBe('branches[1].kind');
    expect(err.message).toContain('"教工", "学生", "机关", "教辅后勤"');
  });

  it('a CSV as Excel saves it on Chinese Windows (GB18030, CRLF) reads as the UTF-8 one; bytes of neither are refused', async () => {
    const file = `${__dirname}/../fixtures/sample-university-gb18030.csv`;
    const bytes = readFileSync(file);
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    expect(await loadOrgFile(file)).toEqual(await loadOrgFile(SAMPLE_ORG_CSV));
    // A lone 0xFF is no character in either encoding.
    const broken = Buffer.concat([bytes.subarray(0, 200), Buffer.from([0xff]), bytes.subarray(200)]);
    const err = errorOf(() => parseOrgText(orgFileText(broken, 'org.csv'), 'org.csv'));
    expect(err.issues[0]!.message).toContain('expected UTF-8 YAML, or CSV in UTF-8 or GB18030');
    // YAML stays UTF-8: the same bytes read as YAML are refused, not guessed.
    expect(orgFileText(bytes, 'org.yaml')).toContain('\uFFFD');
  });

  it('CSV errors name the file, the row line and the unit', () => {
    const csv = readFileSync(SAMPLE_ORG_CSV, 'utf8').split('\n');
    const i = csv.findIndex((l) => l.startsWith('branch,b-med-'));
    csv[i] = csv[i]!.replace(',c-med,', ',c-unknown,');
    const err = errorOf(() => parseOrgText(csv.join('\n'), 'org.csv'));
    expect(err.issues[0]!.file).toBe('org.csv');
    expect(err.issues[0]!.line).toBe(i + 1);
    expect(err.issues[0]!.path).toMatch(/^b-med-\d+\.parent$/);
    const bad = readFileSync(SAMPLE_ORG_CSV, 'utf8').replace('branch,b-mech-01', 'brunch,b-mech-01');
    expect(errorOf(() => parseOrgText(bad, 'org.csv')).message).toContain('unknown level "brunch"');
  });
});

/**
 * The behaviour file's grades and appointments (plan 002's grading year): what they ask of the
 * engine, what they open, and each mistake refused with its line and field.
 */
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { loadOrgFile, loadPlanFile, PLANS_DIR } from '../../plans/load';
import { parseBehaviour, type BehaviourContext } from '../../rehearsal/behaviour-file';
import { planSimulation } from '../../rehearsal/behaviour';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
const HARBIN = readFileSync(path.join(FIXTURES, 'harbin-behaviour.yaml'), 'utf8');
let context: BehaviourContext;
beforeAll(async () => {
  context = {
    plan: await loadPlanFile(path.join(PLANS_DIR, '002-harbin.yaml')),
    org: await loadOrgFile(path.join(FIXTURES, 'harbin-org.yaml')),
  };
});

const refusal = (text: string): string => {
  try {
    parseBehaviour(text, 'b.yaml', context);
    return 'accepted';
  } catch (err) {
    expect((err as { code: string }).code).toBe('BEHAVIOUR_INVALID');
    return (err as Error).message;
  }
};

describe('grades and appointments in a behaviour file', () => {
  it('grades every branch at each step, the last matching rule winning, by each step’s person', () => {
    const b = parseBehaviour(HARBIN, 'harbin-behaviour.yaml', context);
    const sim = planSimulation(context.plan, context.org, b);
    const grades = sim.requests.flatMap((r) =>
      r.type === 'grade' ? [`${r.step} ${r.unitId} ${r.grade} ${r.by}`] : [],
    );
    expect(grades).toHaveLength(3 * 11);
    expect(grades).toContain('self b-cs-l1 C 朱峰');
    expect(grades).toContain('preliminary b-cs-l1 D 钱书记');
    expect(grades).toContain('final b-cs-l1 D 周部长');
    expect(grades).toContain('self b-mat-s2 B 陈丽'); // its rule grades only the later steps
    expect(grades).toContain('final b-mat-t1 A 周部长');
    // 材料学院's preliminary grades over its A share: the office enters them, with its reason.
    expect(grades).toContain('preliminary b-mat-t1 A 周部长');
    expect(grades).toContain('preliminary b-cs-t1 C 钱书记');
    expect(
      sim.requests.flatMap((r) => (r.type === 'grade' && r.quotaOverride ? [`${r.step} ${r.unitId}`] : [])),
    ).toHaveLength(6);
    // Entering the grades closes the grading steps' deadlines: nobody submits them besides.
    expect(sim.requests.filter((r) => r.type === 'submit' && r.obligationKey === 'branch-self-evaluation')).toEqual([]);
    expect(
      sim.expected.find((e) => e.obligationKey === 'committee-preliminary-grade' && e.unitId === 'c-mat')?.submittedAt,
    ).toBe('2012-03-29T08:00:00.000Z');
    expect(grades.filter((g) => g.startsWith('final') && / [CD] /.test(g))).toHaveLength(3);
    const appoint = sim.requests.filter((r) => r.type === 'appoint');
    expect(appoint).toEqual([
      { type: 'appoint', at: '2012-05-14T01:30:00.000Z', unitId: 'b-mat-t2', secretary: '林新', by: '孙书记' },
    ]);
    // The C grades at the committee's step open nothing: the plan opens on the university's.
    expect(sim.eventDeadlines.map((d) => `${d.cycle.obligationKey} ${d.unitId} ${d.cycle.opensAt}`)).toEqual([
      'grade-rectification b-mat-s2 2012-04-06T07:00:00.000Z',
      'grade-rectification b-cs-t1 2012-04-06T07:00:00.000Z',
      'grade-rectification b-cs-l1 2012-04-06T07:00:00.000Z',
      'secretary-training b-mat-t2 2012-05-14T01:30:00.000Z',
    ]);
    const report = (u: string) =>
      sim.expected.find((e) => e.obligationKey === 'grade-rectification' && e.unitId === u)!;
    expect(report('b-cs-l1').submittedAt).toBeUndefined();
    expect(report('b-mat-s2').submittedAt).toBe('2012-05-12T15:59:59.000Z');
  });

  it.each([
    [
      'a grade letter',
      HARBIN.replace(
        '{ unit: b-cs-t1, grade: { preliminary: C, final: C } }',
        '{ unit: b-cs-t1, grade: { final: E } }',
      ),
      /b\.yaml:\d+:\d+ rules\[4\]\.grade\.final: /,
    ],
    [
      'a step without its instant',
      HARBIN.replace("self: '2012-03-23T16:00', ", ''),
      /rules\[0\]\.grade\.self: no instant for the self grades: give grading\.year and grading\.at\.self/,
    ],
    [
      'a grade rule naming an obligation',
      HARBIN.replace(
        '{ unit: b-cs-t1, grade: { preliminary: C, final: C } }',
        '{ unit: b-cs-t1, obligation: grade-rectification, grade: { final: C } }',
      ),
      /rules\[4\]\.obligation: a grade rule names branches, not an obligation/,
    ],
    [
      'an appointment in a committee',
      HARBIN.replace('appoint: { unit: b-mat-t2', 'appoint: { unit: c-mat'),
      /actions\[0\]\.appoint\.unit: "c-mat" is not a branch of the organisation file/,
    ],
    [
      'a committee’s preliminary A share breached without the office’s override',
      HARBIN.replace('  overrides:\n', '').replace(
        '    - { step: preliminary, committee: c-mat, quota: 两个党支部均获评省级先进基层党组织, by: 周部长 }\n',
        '',
      ),
      // The last A of the scope: rules[2] (b-mat-t2), line 15 of the file, 13 without the two override lines.
      /b\.yaml:13:\d+ rules\[2\]\.grade\.preliminary: 2 A in committee c-mat at the preliminary step is over the share: at most 1 of 6 branches \(20 %\)/,
    ],
    [
      'the university’s final A share breached without an override',
      HARBIN.replace(
        '{ unit: b-cs-t1, grade: { preliminary: C, final: C } }',
        '{ unit: b-cs-t1, grade: { preliminary: C, final: A } }',
      ),
      /rules\[4\]\.grade\.final: 3 A across the university at the final step is over the share: at most 2 of 11 branches/,
    ],
    [
      'a preliminary override naming no committee',
      HARBIN.replace('{ step: preliminary, committee: c-mat,', '{ step: preliminary,'),
      /grading\.overrides\[0\]\.committee: the preliminary grades share is a committee's: name one of c-mat, c-cs/,
    ],
    [
      'a grading instant the calendar lacks',
      HARBIN.replace("final: '2012-04-06T15:00'", "final: '2012-04-31T15:00'"),
      /grading\.at\.final: /,
    ],
  ])('refuses %s, naming the line and field', (_what, text, expected) => {
    expect(refusal(text)).toMatch(expected);
  });
});

/**
 * A behaviour file is checked whole against the plan and the organisation before a rehearsal
 * starts: one file per kind of mistake, each refused with its file, line and field, and
 * `simulate` refuses before it starts any server.
 */
import path from 'node:path';
import { loadOrgFile, loadPlanFile } from '../../plans/load';
import { parseBehaviour, type BehaviourContext } from '../../rehearsal/behaviour-file';
import type { Plan } from '../../domain/plan-schema';
import type { Org } from '../../domain/org-schema';
import { runCli } from '../helpers/processes';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';

const FIXTURES = path.join(__dirname, '..', 'fixtures');
let context: BehaviourContext;
beforeAll(async () => {
  const plan: Plan = await loadPlanFile(path.join(FIXTURES, 'mini-plan.yaml'));
  const org: Org = await loadOrgFile(path.join(FIXTURES, 'mini-org.yaml'));
  context = { plan, org };
});

/** The error's text for a behaviour file, or 'accepted'. */
const refusal = (text: string): string => {
  try {
    parseBehaviour(text, 'b.yaml', context);
    return 'accepted';
  } catch (err) {
    expect((err as { code: string }).code).toBe('BEHAVIOUR_INVALID');
    return (err as Error).message;
  }
};

describe('a behaviour file checked against the plan and the organisation', () => {
  it('accepts the replay corpus behaviour', () => {
    expect(refusal(`rules:\n  - { unit: b-mech-s1, obligation: branch-plan, submit: { late: '+2d' } }\n`)).toBe(
      'accepted',
    );
  });

  it.each([
    [
      'unit',
      `rules:\n  - { unit: b-nobody, submit: never }\n`,
      /b\.yaml:2:\d+ rules\[0\]\.unit: unknown unit "b-nobody"/,
    ],
    [
      'committee',
      `rules:\n  - submit: never\n    committee: c-law\n`,
      /b\.yaml:3:\d+ rules\[0\]\.committee: unknown committee "c-law" \(known: c-mech, c-info\)/,
    ],
    ['kind', `rules:\n  - { kind: 研究生, submit: never }\n`, /b\.yaml:2:\d+ rules\[0\]\.kind: unknown kind "研究生"/],
    [
      'obligation',
      `rules:\n  - { obligation: annual-report, submit: never }\n`,
      /b\.yaml:2:\d+ rules\[0\]\.obligation: unknown obligation "annual-report" \(known: branch-plan, quarterly-report, summary-report\)/,
    ],
    [
      'cycle',
      `rules:\n  - { obligation: quarterly-report, cycle: 2010-Q1, submit: never }\n`,
      /b\.yaml:2:\d+ rules\[0\]\.cycle: unknown cycle "2010-Q1" \(known: 2010-Q3, 2010-Q4\)/,
    ],
    [
      'phase',
      `actions:\n  - { advance: celebrate, at: '2010-06-10T09:00', by: 校党委, reason: 提前 }\n`,
      /b\.yaml:2:\d+ actions\[0\]\.advance: the engine would refuse it at 2010-06-10T09:00: advance: unknown phase "celebrate"/,
    ],
    [
      'advance to a phase already started',
      `actions:\n  - { advance: engage, at: '2010-07-05T09:00', by: 校党委, reason: 提前 }\n`,
      /b\.yaml:2:\d+ actions\[0\]\.advance: .*phases only move forward; "engage" is not after "engage"/,
    ],
    [
      'end of a phase that is not running',
      `actions:\n  - { endPhase: summary, at: '2010-08-01T09:00', by: 校党委, reason: 结束 }\n`,
      /actions\[0\]\.endPhase: .*phase "summary" is not the running phase/,
    ],
    [
      'rule that matches nothing',
      // Committees hand in the summary, branches the quarterly report: together, nothing.
      `rules:\n  - { committee: c-mech, obligation: summary-report, kind: 教工, submit: never }\n`,
      /b\.yaml:2:\d+ rules\[0\]: matches no deadline of the plan/,
    ],
    [
      'review of an obligation without one',
      `rules:\n  - { obligation: branch-plan, review: never }\n`,
      /rules\[0\]\.review: none of the deadlines this rule matches has a leader review/,
    ],
    [
      'waiver of a unit that does not hand it in',
      `actions:\n  - { waive: { unit: c-mech, obligation: branch-plan, cycle: once }, at: '2010-06-20T09:00', by: 组织部, reason: 试 }\n`,
      /actions\[0\]\.waive\.unit: unit "c-mech" does not hand in branch-plan/,
    ],
    [
      'extension before the deadline opens',
      `actions:\n  - extend: { unit: b-mech-t1, obligation: quarterly-report, cycle: 2010-Q3 }\n    at: '2010-07-01T09:00'\n    newDue: '2010-10-01T17:00'\n    by: 组织部\n    reason: 试\n`,
      /b\.yaml:3:\d+ actions\[0\]\.at: the deadline quarterly-report\/2010-Q3 opens only at 2010-09-05T23:59/,
    ],
  ])('refuses an unknown or impossible %s', (_, text, expected) => {
    expect(refusal(text)).toMatch(expected);
  });

  it('checks phase changes in the order of their instants, each against the phases the earlier left', () => {
    // Advancing to engage early is fine; advancing to it again a week later is refused.
    const text = [
      'actions:',
      "  - { advance: engage, at: '2010-06-28T09:00', by: 校党委, reason: 提前 }",
      "  - { advance: engage, at: '2010-06-20T09:00', by: 校党委, reason: 更早 }",
    ].join('\n');
    expect(refusal(text)).toMatch(
      /b\.yaml:2:\d+ actions\[0\]\.advance: .*phases only move forward; "engage" is not after "engage"/,
    );
  });

  it('is refused by simulate before the rehearsal starts', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'behaviour-'));
    try {
      const file = path.join(dir, 'late-advance.yaml');
      await writeFile(file, `actions:\n  - { advance: engage, at: '2010-07-05T09:00', by: 校党委, reason: 提前 }\n`);
      const out = path.join(dir, 'run');
      const r = await runCli([
        'simulate',
        '--plan',
        path.join(FIXTURES, 'mini-plan.yaml'),
        '--org',
        path.join(FIXTURES, 'mini-org.yaml'),
        '--behaviour',
        file,
        '--out',
        out,
      ]);
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/error \[BEHAVIOUR_INVALID\]: behaviour .*late-advance\.yaml is invalid:/);
      expect(r.stderr).toMatch(
        /late-advance\.yaml:2:\d+ actions\[0\]\.advance: the engine would refuse it at 2010-07-05T09:00/,
      );
      expect(r.stderr).not.toContain('listening on'); // no server was started
      expect(r.stdout).toBe('');
      await expect(readdir(out)).rejects.toThrow(/ENOENT/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

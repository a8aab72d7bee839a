import {
  aCeiling,
  checkNomination,
  consequences,
  DEFAULT_GRADING_POLICY,
  gradeChange,
  parseGradeLetter,
  planGradeBatch,
  quotaStatus,
  skipsAGrade,
  type BatchContext,
  type GradedBranch,
  type GradeEntry,
} from '../../domain/grading';
import { GradingPolicySchema } from '../../domain/grading-policy';

/** Committee c1 with 11 branches b1..b11, committee c2 with 4 branches d1..d4. */
const branches: GradedBranch[] = [
  ...Array.from({ length: 11 }, (_, i) => ({ unitId: `b${i + 1}`, committeeId: 'c1', waived: false })),
  ...Array.from({ length: 4 }, (_, i) => ({ unitId: `d${i + 1}`, committeeId: 'c2', waived: false })),
];

const ctx = (over: Partial<BatchContext> = {}): BatchContext => ({
  year: 2012,
  step: 'preliminary',
  grader: { role: 'committee', unitId: 'c1' },
  branches,
  recorded: {},
  lastYear: {},
  policy: DEFAULT_GRADING_POLICY,
  source: 'grades.csv',
  fields: { unit: '支部编号', grade: '等级', reason: '变更理由' },
  ...over,
});

const rows = (grades: string): GradeEntry[] =>
  [...grades].map((g, i) => ({ unitId: `b${i + 1}`, grade: g, row: i + 2 }));

/** The issues of a refused batch, as `line field: message`. */
function refused(entries: GradeEntry[], c: BatchContext): string[] {
  try {
    planGradeBatch(entries, c);
  } catch (err) {
    const e = err as Error & { code?: string; issues?: { line?: number; path: string; message: string }[] };
    expect(e.code).toBe('GRADE_INVALID');
    return e.issues!.map((i) => `${i.line ?? '-'} ${i.path}: ${i.message}`);
  }
  throw new Error('the batch was accepted');
}

describe('the A share', () => {
  test('is rounded down: 20 % of 11 is 2, of 10 is 2, of 5 is 1, of 4 is 0', () => {
    expect(aCeiling(11, 20)).toBe(2);
    expect(aCeiling(10, 20)).toBe(2);
    expect(aCeiling(14, 20)).toBe(2);
    expect(aCeiling(15, 20)).toBe(3);
    expect(aCeiling(5, 20)).toBe(1);
    expect(aCeiling(4, 20)).toBe(0);
    expect(aCeiling(0, 20)).toBe(0);
  });

  test('counts in whole basis points, so a binary fraction never moves a boundary', () => {
    // 100 × 0.29 is 28.999999999999996 in floating point.
    expect(aCeiling(100, 29)).toBe(29);
    expect(aCeiling(8, 12.5)).toBe(1);
    expect(aCeiling(7, 100)).toBe(7);
  });

  test('refuses a share outside (0, 100] and a count that is not whole', () => {
    expect(() => aCeiling(10, 0)).toThrow(RangeError);
    expect(() => aCeiling(10, 101)).toThrow(RangeError);
    expect(() => aCeiling(2.5, 20)).toThrow(RangeError);
  });

  test('2 A of 11 in a committee pass; a third is refused naming its row and the field', () => {
    const plan = planGradeBatch(rows('AABBBBBBBBC'), ctx());
    expect(plan.writes).toHaveLength(11);
    expect(plan.quotas.find((q) => q.scope === 'c1')).toEqual({
      scope: 'c1',
      graded: 11,
      ceiling: 2,
      aCount: 2,
      over: false,
      overridden: false,
    });
    const issues = refused(rows('AAABBBBBBBC'), ctx());
    expect(issues).toEqual([
      '4 等级: 3 A in committee c1 is over the share: at most 2 of 11 branches (20 %, rounded down); only the office may go over it, with a reason',
    ]);
  });

  test('a waived branch is not counted: 10 graded of 11 still allow 2', () => {
    const withWaiver = branches.map((b) => (b.unitId === 'b11' ? { ...b, waived: true } : b));
    expect(planGradeBatch(rows('AABBBBBBBB'), ctx({ branches: withWaiver })).quotas[0]).toMatchObject({
      graded: 10,
      ceiling: 2,
    });
    // 9 graded allow only 1.
    const twoWaived = withWaiver.map((b) => (b.unitId === 'b10' ? { ...b, waived: true } : b));
    expect(refused(rows('AABBBBBBB'), ctx({ branches: twoWaived }))[0]).toMatch(/at most 1 of 9/);
  });

  test('the office overrides with a reason, recorded on each A of the scope; a committee cannot', () => {
    const plan = planGradeBatch(
      rows('AAABBBBBBBC'),
      ctx({ grader: { role: 'office' }, quotaOverride: '学院整体考核优秀，经领导小组研究同意' }),
    );
    const a = plan.writes.filter((w) => w.grade === 'A');
    expect(a.map((w) => w.overrides)).toEqual([['quota'], ['quota'], ['quota']]);
    expect(a[0]!.overrideReason).toBe('学院整体考核优秀，经领导小组研究同意');
    expect(plan.quotas.find((q) => q.scope === 'c1')).toMatchObject({ over: true, overridden: true });
    expect(plan.writes.filter((w) => w.grade !== 'A').every((w) => w.overrides.length === 0)).toBe(true);
    expect(refused(rows('AAABBBBBBBC'), ctx({ quotaOverride: 'we think so' }))).toContain(
      '- override: only the campaign office may override the grading rules',
    );
  });

  test('final grades count across the university, preliminary ones per committee', () => {
    // 15 branches: 3 A allowed university-wide. c2's 4 branches allow no A preliminarily.
    const office = { role: 'office' as const };
    const all: GradeEntry[] = branches.map((b, i) => ({ unitId: b.unitId, grade: i < 3 ? 'A' : 'B' }));
    expect(planGradeBatch(all, ctx({ step: 'final', grader: office })).quotas).toEqual([
      { scope: 'university', graded: 15, ceiling: 3, aCount: 3, over: false, overridden: false },
    ]);
    expect(refused([{ unitId: 'd1', grade: 'A' }], ctx({ grader: office }))[0]).toMatch(
      /1 A in committee c2 is over the share: at most 0 of 4/,
    );
  });

  test('lowering an A never trips the quota, even in a scope already over it', () => {
    const recorded = { b1: { grade: 'A' as const, revision: 1 }, b2: { grade: 'A' as const, revision: 1 } };
    const over = { ...recorded, b3: { grade: 'A' as const, revision: 1 } };
    const plan = planGradeBatch([{ unitId: 'b3', grade: 'B', reason: '复核' }], ctx({ recorded: over }));
    expect(plan.writes[0]).toMatchObject({ unitId: 'b3', grade: 'B', previous: 'A', revision: 2 });
  });

  test('quotaStatus shows the share as a committee types', () => {
    expect(quotaStatus('preliminary', branches, { b1: 'A', d1: 'A' }, 20)).toEqual([
      { scope: 'c1', graded: 11, ceiling: 2, aCount: 1, over: false, overridden: false },
      { scope: 'c2', graded: 4, ceiling: 0, aCount: 1, over: true, overridden: false },
    ]);
    expect(quotaStatus('self', branches, { b1: 'A' }, 20)).toEqual([]);
  });
});

describe('no rising more than one grade', () => {
  test('C to B is one grade; C to A is two; D to B is two; falling is free', () => {
    expect(gradeChange('C', 'B')).toBe(1);
    expect(skipsAGrade('C', 'B')).toBe(false);
    expect(skipsAGrade('C', 'A')).toBe(true);
    expect(skipsAGrade('D', 'B')).toBe(true);
    expect(skipsAGrade('A', 'D')).toBe(false);
    expect(gradeChange('A', 'D')).toBe(-3);
  });

  test('a branch with no grade last year may take any grade', () => {
    expect(gradeChange(undefined, 'A')).toBeUndefined();
    expect(skipsAGrade(undefined, 'A')).toBe(false);
    expect(planGradeBatch([{ unitId: 'b1', grade: 'A' }], ctx({ lastYear: {} })).writes).toHaveLength(1);
  });

  test('refused without the office; the office allows it per branch with a reason', () => {
    const lastYear = { b1: 'C' as const, b2: 'C' as const };
    const entries = [
      { unitId: 'b1', grade: 'A', row: 2 },
      { unitId: 'b2', grade: 'B', row: 3 },
    ];
    expect(refused(entries, ctx({ lastYear }))).toEqual([
      '2 等级: branch b1 was C last year: A rises more than one grade (不能越级晋升); only the office may allow it, with a reason',
    ]);
    const plan = planGradeBatch(
      entries,
      ctx({ lastYear, grader: { role: 'office' }, riseOverrides: { b1: '整改成效突出' } }),
    );
    expect(plan.writes[0]).toMatchObject({ unitId: 'b1', overrides: ['rise'], overrideReason: '整改成效突出' });
    expect(plan.writes[1]!.overrides).toEqual([]);
  });
});

describe('bad entries: each named by row and field, nothing accepted', () => {
  test('an unknown letter, another committee’s branch, a waived branch, an unknown branch, a repeated branch', () => {
    const waived = branches.map((b) => (b.unitId === 'b3' ? { ...b, waived: true } : b));
    const issues = refused(
      [
        { unitId: 'b1', grade: 'E', row: 2 },
        { unitId: 'd1', grade: 'B', row: 3 },
        { unitId: 'b3', grade: 'B', row: 4 },
        { unitId: 'zz', grade: 'B', row: 5 },
        { unitId: 'b2', grade: 'B', row: 6 },
        { unitId: 'b2', grade: 'C', row: 7 },
      ],
      ctx({ branches: waived }),
    );
    expect(issues).toEqual([
      '2 等级: "E" is not a grade (A, B, C or D)',
      '3 支部编号: branch d1 belongs to committee c2, not to c1',
      '4 支部编号: branch b3 was waived from grading; it takes no grade',
      '5 支部编号: "zz" is not a branch of this campaign',
      '7 支部编号: branch b2 appears twice (first on row 6)',
    ]);
  });

  test('a second grade for the same branch and step needs a reason; the same letter again changes nothing', () => {
    const recorded = { b1: { grade: 'B' as const, revision: 1 } };
    expect(refused([{ unitId: 'b1', grade: 'C', row: 2 }], ctx({ recorded }))).toEqual([
      '2 变更理由: branch b1 already has B at this step: a change to C needs a reason',
    ]);
    expect(planGradeBatch([{ unitId: 'b1', grade: 'b' }], ctx({ recorded }))).toMatchObject({
      writes: [],
      unchanged: ['b1'],
    });
    expect(planGradeBatch([{ unitId: 'b1', grade: 'C', reason: '复核后调整' }], ctx({ recorded })).writes).toEqual([
      { unitId: 'b1', committeeId: 'c1', grade: 'C', previous: 'B', revision: 2, reason: '复核后调整', overrides: [] },
    ]);
  });

  test('only the office sets final grades; a branch grades only itself', () => {
    expect(refused([{ unitId: 'b1', grade: 'B' }], ctx({ step: 'final' }))).toContain(
      "- step: only the campaign office sets the university's grades",
    );
    expect(
      refused([{ unitId: 'b2', grade: 'B', row: 9 }], ctx({ step: 'self', grader: { role: 'branch', unitId: 'b1' } })),
    ).toEqual(['9 支部编号: a branch grades only itself, not b2']);
    expect(
      planGradeBatch([{ unitId: 'b1', grade: 'B' }], ctx({ step: 'self', grader: { role: 'branch', unitId: 'b1' } }))
        .writes,
    ).toHaveLength(1);
  });
});

describe('letters, consequences and nominations', () => {
  test('letters as people write them', () => {
    expect(['A', 'a', ' B ', 'C级', 'Ｄ', 'ｂ级'].map(parseGradeLetter)).toEqual(['A', 'A', 'B', 'C', 'D', 'B']);
    expect(['E', '', 'AB', '优', 'A+'].map(parseGradeLetter)).toEqual([
      undefined,
      undefined,
      undefined,
      undefined,
      undefined,
    ]);
  });

  test('D flags the next year and orders rectification; C orders rectification; A and B neither', () => {
    expect(consequences('D', 2012)).toEqual({
      rectification: true,
      flags: ['no-performance-award', 'secretary-not-promoted'],
      flagYear: 2013,
    });
    expect(consequences('C', 2012)).toEqual({ rectification: true, flags: [], flagYear: 2013 });
    expect(consequences('B', 2012).rectification).toBe(false);
    expect(consequences('A', 2012).flags).toEqual([]);
  });

  test('only an A branch may be nominated as advanced', () => {
    expect(() => checkNomination('b1', { grade: 'A', year: 2012 })).not.toThrow();
    expect(() => checkNomination('b1', { grade: 'B', year: 2012 })).toThrow(
      /branch b1 cannot be nominated as an advanced branch: its latest grade \(2012\) is B/,
    );
    try {
      checkNomination('b2', undefined);
      throw new Error('accepted');
    } catch (err) {
      expect((err as Error).name).toBe('NominationRefusedError');
      expect((err as Error & { code: string }).code).toBe('NOMINATION_REFUSED');
      expect((err as Error).message).toMatch(/b2 .* has no grade yet/);
    }
  });

  test('the plan’s grading section: defaults from the seed, a share outside (0, 100] refused', () => {
    expect(GradingPolicySchema.parse({})).toEqual(DEFAULT_GRADING_POLICY);
    expect(GradingPolicySchema.parse({ aSharePercent: 25 }).aSharePercent).toBe(25);
    expect(GradingPolicySchema.safeParse({ aSharePercent: 0 }).success).toBe(false);
    expect(GradingPolicySchema.safeParse({ aSharePercent: 120 }).success).toBe(false);
    expect(GradingPolicySchema.safeParse({ rectifyStep: 'later' }).success).toBe(false);
  });
});

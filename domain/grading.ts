/**
 * The grading year (分类定级, seed 002): grades A–D in three steps, and the rules on them. Pure
 * (no I/O, no zod), so the ledger, the CLI, the web service and workflows share one reading.
 *
 * - Steps: the branch's self-evaluation (`self`), the committee's preliminary grade
 *   (`preliminary`), the university committee's grade (`final`).
 * - The A share ("原则上A级党支部一般不能超过20%"): at most ⌊n × share⌋ A among the n branches graded
 *   at once, never rounded up ("不能超过" — 3 of 11 is 27 %, over 20 %; 2 of 11 is 18 %). n counts a
 *   committee's branches for the preliminary grades and every branch for the final ones; a waived
 *   branch is not graded and not counted. So 11 branches allow 2 A, 10 allow 2, 4 allow none.
 * - No rising more than one grade over last year's final grade ("等级评定一般不能越级晋升"); a branch
 *   with no grade last year may take any grade.
 * - Going over either rule needs the office's override with a reason; nobody else may override.
 * - D flags the branch for the next year (its committee members get no performance award, its
 *   secretary is not promoted); C and D are ordered to rectify (对标整改).
 * - Only A branches may be nominated as advanced ("必须从A级党支部中产生").
 */
import { formatIssue, type FileIssue } from './errors';

export const GRADE_LETTERS = ['A', 'B', 'C', 'D'] as const;
export type GradeLetter = (typeof GRADE_LETTERS)[number];

export const GRADING_STEPS = ['self', 'preliminary', 'final'] as const;
export type GradingStep = (typeof GRADING_STEPS)[number];

export const STEP_NAMES: Record<GradingStep, { zh: string; en: string }> = {
  self: { zh: '党支部自我评价', en: 'branch self-evaluation' },
  preliminary: { zh: '基层党委初评', en: 'committee preliminary grade' },
  final: { zh: '学校党委定级', en: 'university grade' },
};

export type GraderRole = 'office' | 'committee' | 'branch';

/** What the plan says about grading (plan field `grading`, domain/grading-policy.ts); defaults from seed 002. */
export interface GradingPolicy {
  /** The most A a scope may have, in percent of its graded branches. */
  aSharePercent: number;
  /** The step whose C or D orders rectification. */
  rectifyStep: GradingStep;
  /** The obligation each step's entry closes (a committee's, or a branch's for `self`). */
  obligations: Partial<Record<GradingStep, string>>;
  /** The obligation the engine opens for a C/D branch (its deadlines carry the outcome). */
  rectificationObligation: string;
}

export const DEFAULT_GRADING_POLICY: GradingPolicy = {
  aSharePercent: 20,
  rectifyStep: 'final',
  obligations: {},
  rectificationObligation: 'grade-rectification',
};

/** Better grades rank higher: D 1 … A 4. */
export const gradeRank = (g: GradeLetter): number => 4 - GRADE_LETTERS.indexOf(g);

/** A letter as people write it (`A`, `a`, `A级`, full-width `Ａ`), or undefined. */
export function parseGradeLetter(value: string): GradeLetter | undefined {
  const v = value
    .trim()
    .replace(/[Ａ-Ｄａ-ｄ]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0))
    .replace(/级$/, '')
    .toUpperCase();
  return (GRADE_LETTERS as readonly string[]).includes(v) ? (v as GradeLetter) : undefined;
}

export const isGradingStep = (s: string): s is GradingStep => (GRADING_STEPS as readonly string[]).includes(s);

/**
 * The most A allowed among `graded` branches: ⌊graded × share⌋, in whole basis points so that no
 * binary fraction moves a boundary (29 % of 100 is 29, not 28).
 */
export function aCeiling(graded: number, sharePercent: number): number {
  if (!Number.isInteger(graded) || graded < 0) throw new RangeError(`graded must be a whole number ≥ 0, got ${graded}`);
  if (!(sharePercent > 0 && sharePercent <= 100))
    throw new RangeError(`share must be in (0, 100], got ${sharePercent}`);
  return Math.floor((graded * Math.round(sharePercent * 100)) / 10_000);
}

/** Grades risen from last year (negative: fallen); undefined when there was no grade last year. */
export function gradeChange(last: GradeLetter | undefined, next: GradeLetter): number | undefined {
  return last === undefined ? undefined : gradeRank(next) - gradeRank(last);
}

/** Whether `next` rises more than one grade over `last` ("越级晋升"); never for a branch new to grading. */
export const skipsAGrade = (last: GradeLetter | undefined, next: GradeLetter): boolean =>
  (gradeChange(last, next) ?? 0) > 1;

export const FLAG_KINDS = ['no-performance-award', 'secretary-not-promoted'] as const;
export type FlagKind = (typeof FLAG_KINDS)[number];
export const FLAG_NAMES: Record<FlagKind, { zh: string; en: string }> = {
  'no-performance-award': { zh: '班子成员不得享受绩效等奖励', en: 'no performance award for its committee members' },
  'secretary-not-promoted': { zh: '党支部书记下一年度内不能提拔使用', en: 'its secretary is not promoted' },
};

export interface GradeConsequences {
  /** C and D: ordered to rectify (对标整改). */
  rectification: boolean;
  /** D: the flags, in force for `flagYear`. */
  flags: FlagKind[];
  /** The year the flags apply to: the one after the grading year ("下一年度内"). */
  flagYear: number;
}

/** What a grade of `year` entails, at the step that counts (`final` unless the plan says otherwise). */
export function consequences(grade: GradeLetter, year: number): GradeConsequences {
  return {
    rectification: grade === 'C' || grade === 'D',
    flags: grade === 'D' ? [...FLAG_KINDS] : [],
    flagYear: year + 1,
  };
}

/** Whether a grade recorded at `step` has its consequences (the plan's rectify step). */
export const gradeCounts = (policy: GradingPolicy, step: GradingStep): boolean => step === policy.rectifyStep;

/** Thrown when a branch is nominated as advanced but its latest grade is not A. */
export class NominationRefusedError extends Error {
  override readonly name = 'NominationRefusedError';
  readonly code = 'NOMINATION_REFUSED';
  constructor(
    readonly unitId: string,
    readonly latest: { grade: GradeLetter; year: number } | undefined,
  ) {
    super(
      latest
        ? `不能推荐党支部 ${unitId} 为先进党支部：其最近一次学校定级（${latest.year}年）为 ${latest.grade}，推荐评选先进党支部必须从A级党支部中产生 (branch ${unitId} cannot be nominated as an advanced branch: its latest grade (${latest.year}) is ${latest.grade}, and only A branches may be nominated)`
        : `不能推荐党支部 ${unitId} 为先进党支部：尚无学校定级，推荐评选先进党支部必须从A级党支部中产生 (branch ${unitId} cannot be nominated as an advanced branch: it has no grade yet, and only A branches may be nominated)`,
    );
  }
}

/** Refuses the nomination of a branch whose latest grade (the caller reads it) is not A. */
export function checkNomination(unitId: string, latest: { grade: GradeLetter; year: number } | undefined): void {
  if (latest?.grade !== 'A') throw new NominationRefusedError(unitId, latest);
}

// ---------- a batch of grades, checked as a whole ----------

/** One grade as entered: a row of a file, a command-line pair, a form field. */
export interface GradeEntry {
  unitId: string;
  /** As written; checked here. */
  grade: string;
  /** Why a grade already recorded changes; also the reason of an override of this row. */
  reason?: string;
  /** The row (line) of the file it came from, for messages. */
  row?: number;
}

export interface GradedBranch {
  unitId: string;
  committeeId: string;
  /** Excused from grading (its self-evaluation deadline waived): not graded, not counted. */
  waived: boolean;
}

export interface RecordedGrade {
  grade: GradeLetter;
  revision: number;
}

export interface Grader {
  role: GraderRole;
  /** The committee (or branch) a committee's (branch's) grader speaks for. */
  unitId?: string;
}

export interface BatchContext {
  year: number;
  step: GradingStep;
  grader: Grader;
  /** Every branch of the campaign. */
  branches: GradedBranch[];
  /** This step's grades already recorded for `year`, by unit. */
  recorded: Record<string, RecordedGrade>;
  /** Last year's final grades, by unit. */
  lastYear: Record<string, GradeLetter>;
  policy: GradingPolicy;
  /** The office's reason for going over the A share (anyone else's is refused). */
  quotaOverride?: string;
  /** The office's reason for each branch allowed to rise more than one grade. */
  riseOverrides?: Record<string, string>;
  /**
   * Grades of a past year (an import): recorded as they were given, by the office. That year's
   * share and rise rules were applied then, and this year's waivers do not concern them.
   */
  past?: boolean;
  /** Names the source in messages: a file name, `--grade`, `form`. */
  source: string;
  /** Column (field) names for messages, as the source names them. */
  fields?: { unit: string; grade: string; reason: string };
}

export type OverrideKind = 'quota' | 'rise';

export interface PlannedGrade {
  unitId: string;
  committeeId: string;
  grade: GradeLetter;
  previous?: GradeLetter;
  /** 1 for a first grade, one more for each change. */
  revision: number;
  reason?: string;
  overrides: OverrideKind[];
  /** The office's reason(s) for the overrides, joined. */
  overrideReason?: string;
}

/** One scope's A share after the batch: a committee (preliminary) or the university (final). */
export interface QuotaStatus {
  /** The committee id, or `university`. */
  scope: string;
  graded: number;
  ceiling: number;
  aCount: number;
  over: boolean;
  overridden: boolean;
}

export interface BatchPlan {
  writes: PlannedGrade[];
  /** Entries that repeat what is recorded (the same letter): nothing to write. */
  unchanged: string[];
  quotas: QuotaStatus[];
}

/** Thrown when any entry of a batch breaks a rule: every issue is listed, nothing is recorded. */
export class GradeInputError extends Error {
  override readonly name = 'GradeInputError';
  readonly code = 'GRADE_INVALID';
  constructor(readonly issues: FileIssue[]) {
    super(`the grades were not recorded:\n  ${issues.map(formatIssue).join('\n  ')}`);
  }
}

export const UNIVERSITY_SCOPE = 'university';

/** The scope whose A share a step's grades count against. */
const scopeOf = (step: GradingStep, committeeId: string): string =>
  step === 'final' ? UNIVERSITY_SCOPE : step === 'preliminary' ? committeeId : '';

/** A step's A share per scope, from the grades of that step (the console shows it as people type). */
export function quotaStatus(
  step: GradingStep,
  branches: GradedBranch[],
  grades: Record<string, GradeLetter>,
  sharePercent: number,
  overridden: ReadonlySet<string> = new Set(),
): QuotaStatus[] {
  const scopes = new Map<string, { graded: number; aCount: number }>();
  for (const b of branches) {
    if (b.waived) continue;
    const scope = scopeOf(step, b.committeeId);
    if (!scope) continue;
    const s = scopes.get(scope) ?? { graded: 0, aCount: 0 };
    s.graded += 1;
    if (grades[b.unitId] === 'A') s.aCount += 1;
    scopes.set(scope, s);
  }
  return [...scopes.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([scope, s]) => {
      const ceiling = aCeiling(s.graded, sharePercent);
      return { scope, ...s, ceiling, over: s.aCount > ceiling, overridden: overridden.has(scope) };
    });
}

/**
 * Checks a batch against every rule and says what to write. Throws `GradeInputError` listing
 * every problem (row and field) when any entry is refused; then nothing may be written.
 */
export function planGradeBatch(entries: GradeEntry[], ctx: BatchContext): BatchPlan {
  const f = ctx.fields ?? { unit: 'unit', grade: 'grade', reason: 'reason' };
  const issues: FileIssue[] = [];
  const issue = (e: GradeEntry | undefined, field: string, message: string): void => {
    issues.push({ file: ctx.source, ...(e?.row !== undefined ? { line: e.row } : {}), path: field, message });
  };
  const office = ctx.grader.role === 'office';
  if (ctx.past && !office) issue(undefined, 'step', 'only the campaign office imports past grades');
  if (!office && (ctx.quotaOverride !== undefined || Object.keys(ctx.riseOverrides ?? {}).length > 0))
    issue(undefined, 'override', 'only the campaign office may override the grading rules');
  if (ctx.step === 'final' && !office)
    issue(undefined, 'step', "only the campaign office sets the university's grades");
  if (ctx.step === 'preliminary' && ctx.grader.role === 'branch')
    issue(undefined, 'step', "a branch cannot set its committee's preliminary grade");

  const byId = new Map(ctx.branches.map((b) => [b.unitId, b]));
  const seen = new Map<string, GradeEntry>();
  const planned: PlannedGrade[] = [];
  const unchanged: string[] = [];
  for (const e of entries) {
    const b = byId.get(e.unitId);
    if (!b) {
      issue(e, f.unit, `"${e.unitId}" is not a branch of this campaign`);
      continue;
    }
    if (ctx.grader.role === 'committee' && b.committeeId !== ctx.grader.unitId) {
      issue(e, f.unit, `branch ${e.unitId} belongs to committee ${b.committeeId}, not to ${ctx.grader.unitId}`);
      continue;
    }
    if (ctx.grader.role === 'branch' && e.unitId !== ctx.grader.unitId) {
      issue(e, f.unit, `a branch grades only itself, not ${e.unitId}`);
      continue;
    }
    const earlier = seen.get(e.unitId);
    if (earlier) {
      issue(e, f.unit, `branch ${e.unitId} appears twice (first${earlier.row ? ` on row ${earlier.row}` : ''})`);
      continue;
    }
    seen.set(e.unitId, e);
    const grade = parseGradeLetter(e.grade);
    if (!grade) {
      issue(e, f.grade, `"${e.grade}" is not a grade (A, B, C or D)`);
      continue;
    }
    if (b.waived && !ctx.past) {
      issue(e, f.unit, `branch ${e.unitId} was waived from grading; it takes no grade`);
      continue;
    }
    const reason = e.reason?.trim() || undefined;
    const before = ctx.recorded[e.unitId];
    if (before && before.grade === grade) {
      unchanged.push(e.unitId);
      continue;
    }
    if (before && !reason) {
      issue(
        e,
        f.reason,
        `branch ${e.unitId} already has ${before.grade} at this step: a change to ${grade} needs a reason`,
      );
      continue;
    }
    const overrides: OverrideKind[] = [];
    const overrideReasons: string[] = [];
    const last = ctx.lastYear[e.unitId];
    if (!ctx.past && skipsAGrade(last, grade)) {
      const why = ctx.riseOverrides?.[e.unitId]?.trim();
      if (!why || !office) {
        issue(
          e,
          f.grade,
          `branch ${e.unitId} was ${last} last year: ${grade} rises more than one grade (不能越级晋升); only the office may allow it, with a reason`,
        );
        continue;
      }
      overrides.push('rise');
      overrideReasons.push(why);
    }
    planned.push({
      unitId: e.unitId,
      committeeId: b.committeeId,
      grade,
      ...(before ? { previous: before.grade } : {}),
      revision: (before?.revision ?? 0) + 1,
      ...(reason ? { reason } : {}),
      overrides,
      ...(overrideReasons.length > 0 ? { overrideReason: overrideReasons.join('; ') } : {}),
    });
  }

  // The A share of each scope the batch adds an A to, after the batch.
  const after: Record<string, GradeLetter> = {};
  for (const [id, r] of Object.entries(ctx.recorded)) after[id] = r.grade;
  for (const p of planned) after[p.unitId] = p.grade;
  const addsA = new Set(
    planned.filter((p) => p.grade === 'A' && p.previous !== 'A').map((p) => scopeOf(ctx.step, p.committeeId)),
  );
  const quotaReason = office ? ctx.quotaOverride?.trim() || undefined : undefined;
  if (ctx.past) addsA.clear();
  const overridden = new Set(quotaReason ? addsA : []);
  const quotas = quotaStatus(ctx.step, ctx.branches, after, ctx.policy.aSharePercent, overridden);
  for (const q of quotas) {
    if (!q.over || !addsA.has(q.scope)) continue;
    if (quotaReason) {
      for (const p of planned) {
        if (p.grade !== 'A' || scopeOf(ctx.step, p.committeeId) !== q.scope) continue;
        p.overrides.push('quota');
        p.overrideReason = [p.overrideReason, quotaReason].filter(Boolean).join('; ');
      }
      continue;
    }
    const rows = entries.filter((e) => parseGradeLetter(e.grade) === 'A' && byId.get(e.unitId) !== undefined);
    const inScope = rows.filter((e) => scopeOf(ctx.step, byId.get(e.unitId)!.committeeId) === q.scope);
    const where = q.scope === UNIVERSITY_SCOPE ? 'across the university' : `in committee ${q.scope}`;
    issue(
      inScope[inScope.length - 1],
      f.grade,
      `${q.aCount} A ${where} is over the share: at most ${q.ceiling} of ${q.graded} branches (${ctx.policy.aSharePercent} %, rounded down); only the office may go over it, with a reason`,
    );
  }
  if (issues.length > 0) throw new GradeInputError(issues);
  return { writes: planned, unchanged, quotas };
}

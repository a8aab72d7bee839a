/**
 * The grading year in the office's tables, from the grades in the ledger and the deadlines of the
 * rectification reports that C/D grades opened:
 * - audit reports: the grade distribution per committee, year and step; the branches that rose
 *   or fell against last year; the D flags and the year they apply to; the rectification orders
 *   opened by grades with their outcome;
 * - 附表4 高等学校基层党支部分类定级汇总表 and 附表5 高等学校基层党支部整改汇总表, per committee or
 *   for the whole university. The seed names the tables but does not print their columns; these
 *   are the columns its text asks for (the three steps, last year's grade, the rectification).
 */
import { formatInstant, lateMinutesMs } from '../domain/format';
import {
  consequences,
  DEFAULT_GRADING_POLICY,
  FLAG_NAMES,
  GRADE_LETTERS,
  gradeChange,
  GRADING_STEPS,
  STEP_NAMES,
  type GradeLetter,
  type GradingPolicy,
} from '../domain/grading';
import type { GradeRecord } from './grades';
import { lateDays as days, type Locale, type Table } from './table';
import type { DeadlineRow, LedgerStore } from './types';

export const GRADE_REPORTS = ['grade-distribution', 'grade-changes', 'grade-flags', 'grade-rectifications'] as const;
export type GradeReportName = (typeof GRADE_REPORTS)[number];

export interface GradeReportFilter {
  campaignId: string;
  committeeId?: string;
  /** Only this grading year (tables 4 and 5 need one). */
  year?: number;
  /** Rectification reports due before this instant and not handed in are missing. Default: now. */
  asOf?: string;
  timeZone?: string;
  locale?: Locale;
  policy?: GradingPolicy;
}

const W = {
  zh: {
    distribution: '分类定级等级分布',
    changes: '等级升降情况',
    flags: 'D级党支部限制措施',
    rectifications: '定级整改落实情况',
    table4: '附表4 高等学校基层党支部分类定级汇总表',
    table5: '附表5 高等学校基层党支部整改汇总表',
    university: '全校',
    distributionHeaders: ['年度', '所属党委', '环节', 'A', 'B', 'C', 'D', '合计', 'A级占比(%)'],
    changeHeaders: ['序号', '党支部', '支部编号', '所属党委', '上年度等级', '本年度等级', '年度', '升降'],
    flagHeaders: ['序号', '党支部', '支部编号', '所属党委', '定级年度', '适用年度', '措施'],
    table4Headers: [
      '序号',
      '所属党委',
      '党支部名称',
      '支部编号',
      '支部类别',
      '上年度等级',
      '自评等级',
      '初评等级',
      '学校定级',
      '升降',
      '备注',
    ],
    table5Headers: [
      '序号',
      '所属党委',
      '党支部名称',
      '支部编号',
      '等级',
      '定级时间',
      '整改报告截止时间',
      '整改报告提交时间',
      '落实情况',
      '限制措施',
    ],
    rose: (n: number) => `升${n}级`,
    fell: (n: number) => `降${n}级`,
    same: '持平',
    new: '首次定级',
    outcome: {
      'on-time': '按时提交',
      late: (days: number) => `逾期${days}天提交`,
      waived: '免报',
      missing: '逾期未交',
      open: '整改中',
      'not-opened': '未开启整改报告',
    },
    override: { quota: '超比例经批准', rise: '越级经批准' },
  },
  en: {
    distribution: 'Grade distribution',
    changes: 'Branches that rose or fell',
    flags: 'Flags of D branches',
    rectifications: 'Rectification ordered by grades',
    table4: 'Table 4 — summary of branch grades',
    table5: 'Table 5 — summary of branch rectification',
    university: 'University',
    distributionHeaders: ['Year', 'Committee', 'Step', 'A', 'B', 'C', 'D', 'Total', 'A share (%)'],
    changeHeaders: ['No.', 'Branch', 'Branch id', 'Committee', 'Last year', 'This year', 'Year', 'Change'],
    flagHeaders: ['No.', 'Branch', 'Branch id', 'Committee', 'Graded in', 'Applies to', 'Flag'],
    table4Headers: [
      'No.',
      'Committee',
      'Branch',
      'Branch id',
      'Kind',
      'Last year',
      'Self',
      'Preliminary',
      'Final',
      'Change',
      'Note',
    ],
    table5Headers: [
      'No.',
      'Committee',
      'Branch',
      'Branch id',
      'Grade',
      'Graded at',
      'Report due',
      'Report handed in',
      'Outcome',
      'Flags',
    ],
    rose: (n: number) => `up ${n}`,
    fell: (n: number) => `down ${n}`,
    same: 'same',
    new: 'first grade',
    outcome: {
      'on-time': 'on time',
      late: (days: number) => `late by ${days} days`,
      waived: 'waived',
      missing: 'missing',
      open: 'open',
      'not-opened': 'report not opened',
    },
    override: { quota: 'over the share (allowed)', rise: 'skipped a grade (allowed)' },
  },
} as const;

export type RectificationOutcome = 'on-time' | 'late' | 'waived' | 'missing' | 'open' | 'not-opened';

/** A C/D branch's rectification report, as the deadlines of the ledger tell it. */
export interface GradeRectification {
  unitId: string;
  unitName: string;
  committeeId: string;
  committeeName: string;
  year: number;
  grade: GradeLetter;
  gradedAt: string;
  obligationKey: string;
  dueAt: string | null;
  submittedAt: string | null;
  lateMs: number | null;
  outcome: RectificationOutcome;
  flags: string[];
}

function outcomeOf(d: DeadlineRow | undefined, asOf: string): RectificationOutcome {
  if (!d) return 'not-opened';
  if (d.submittedAt) return (d.lateMs ?? 0) > 0 ? 'late' : 'on-time';
  if (d.waivedAt) return 'waived';
  return d.dueAt && d.dueAt < asOf ? 'missing' : 'open';
}

interface Context {
  f: GradeReportFilter;
  locale: Locale;
  zone: string;
  policy: GradingPolicy;
  names: Map<string, string>;
  kinds: Map<string, string>;
  grades: GradeRecord[];
}

async function context(store: LedgerStore, f: GradeReportFilter): Promise<Context> {
  const [units, grades] = await Promise.all([
    store.units(f.campaignId),
    store.grades().grades(f.campaignId, { committeeId: f.committeeId }),
  ]);
  return {
    f,
    locale: f.locale ?? 'zh',
    zone: f.timeZone ?? 'Asia/Shanghai',
    policy: f.policy ?? DEFAULT_GRADING_POLICY,
    names: new Map(units.map((u) => [u.unitId, u.name])),
    kinds: new Map(units.filter((u) => u.kind).map((u) => [u.unitId, u.kind!])),
    grades,
  };
}

const finalsOf = (c: Context, year: number): Map<string, GradeRecord> =>
  new Map(c.grades.filter((g) => g.step === 'final' && g.year === year).map((g) => [g.unitId, g]));

function changeWord(c: Context, last: GradeLetter | undefined, next: GradeLetter): string {
  const w = W[c.locale];
  const d = gradeChange(last, next);
  if (d === undefined) return w.new;
  return d > 0 ? w.rose(d) : d < 0 ? w.fell(-d) : w.same;
}

function distribution(c: Context): Table {
  const w = W[c.locale];
  const groups = new Map<string, GradeLetter[]>();
  for (const g of c.grades) {
    if (c.f.year !== undefined && g.year !== c.f.year) continue;
    for (const scope of [g.committeeId, '']) {
      const k = `${g.year}\u0000${GRADING_STEPS.indexOf(g.step)}\u0000${scope}`;
      groups.set(k, [...(groups.get(k) ?? []), g.grade]);
    }
  }
  const keys = [...groups.keys()].sort((a, b) => {
    const [ya, sa, ca] = a.split('\u0000');
    const [yb, sb, cb] = b.split('\u0000');
    // A committee's rows, then the university's total, per year and step.
    return (
      ya!.localeCompare(yb!) || sa!.localeCompare(sb!) || (ca === '' ? 1 : cb === '' ? -1 : ca!.localeCompare(cb!))
    );
  });
  const records = keys.map((k) => {
    const [year, stepIndex, committeeId] = k.split('\u0000') as [string, string, string];
    const list = groups.get(k)!;
    const count = Object.fromEntries(GRADE_LETTERS.map((l) => [l, list.filter((x) => x === l).length])) as Record<
      GradeLetter,
      number
    >;
    return {
      year: Number(year),
      committeeId: committeeId || null,
      step: GRADING_STEPS[Number(stepIndex)]!,
      ...count,
      total: list.length,
      aSharePercent: Math.round((count.A / list.length) * 1000) / 10,
    };
  });
  return {
    name: 'grade-distribution',
    locale: c.locale,
    title: w.distribution,
    headers: [...w.distributionHeaders],
    rows: records.map((r) => [
      r.year,
      r.committeeId ? (c.names.get(r.committeeId) ?? r.committeeId) : w.university,
      STEP_NAMES[r.step][c.locale],
      r.A,
      r.B,
      r.C,
      r.D,
      r.total,
      r.aSharePercent,
    ]),
    records,
  };
}

function changes(c: Context): Table {
  const w = W[c.locale];
  const records: Record<string, unknown>[] = [];
  const years = [...new Set(c.grades.filter((g) => g.step === 'final').map((g) => g.year))].sort();
  for (const year of years) {
    if (c.f.year !== undefined && year !== c.f.year) continue;
    const last = finalsOf(c, year - 1);
    for (const g of finalsOf(c, year).values()) {
      const before = last.get(g.unitId)?.grade;
      const change = gradeChange(before, g.grade);
      if (!change) continue;
      records.push({ unitId: g.unitId, committeeId: g.committeeId, year, lastYear: before, grade: g.grade, change });
    }
  }
  records.sort((a, b) => Number(a.year) - Number(b.year) || String(a.unitId).localeCompare(String(b.unitId)));
  return {
    name: 'grade-changes',
    locale: c.locale,
    title: w.changes,
    headers: [...w.changeHeaders],
    rows: records.map((r, i) => [
      i + 1,
      c.names.get(String(r.unitId)) ?? String(r.unitId),
      String(r.unitId),
      c.names.get(String(r.committeeId)) ?? String(r.committeeId),
      String(r.lastYear),
      String(r.grade),
      Number(r.year),
      changeWord(c, r.lastYear as GradeLetter, r.grade as GradeLetter),
    ]),
    records,
  };
}

function flags(c: Context): Table {
  const w = W[c.locale];
  const records = c.grades
    .filter((g) => g.step === c.policy.rectifyStep && (c.f.year === undefined || g.year === c.f.year))
    .flatMap((g) => {
      const k = consequences(g.grade, g.year);
      return k.flags.map((flag) => ({
        unitId: g.unitId,
        committeeId: g.committeeId,
        gradedIn: g.year,
        appliesTo: k.flagYear,
        flag,
      }));
    });
  return {
    name: 'grade-flags',
    locale: c.locale,
    title: w.flags,
    headers: [...w.flagHeaders],
    rows: records.map((r, i) => [
      i + 1,
      c.names.get(r.unitId) ?? r.unitId,
      r.unitId,
      c.names.get(r.committeeId) ?? r.committeeId,
      r.gradedIn,
      r.appliesTo,
      FLAG_NAMES[r.flag][c.locale],
    ]),
    records,
  };
}

/** The C/D branches of the rectify step with their rectification report's outcome. */
export async function gradeRectifications(store: LedgerStore, f: GradeReportFilter): Promise<GradeRectification[]> {
  return rectificationsOf(store, await context(store, f));
}

async function rectificationsOf(store: LedgerStore, c: Context): Promise<GradeRectification[]> {
  // An imported grade of a past year ordered its rectification then, outside this campaign.
  const ordered = c.grades.filter(
    (g) =>
      g.source !== 'import' &&
      g.step === c.policy.rectifyStep &&
      consequences(g.grade, g.year).rectification &&
      (c.f.year === undefined || g.year === c.f.year),
  );
  if (ordered.length === 0) return [];
  const deadlines = await store.deadlineRows({
    campaignId: c.f.campaignId,
    obligationKey: c.policy.rectificationObligation,
    committeeId: c.f.committeeId,
  });
  const byUnitYear = new Map(deadlines.map((d) => [`${d.unitId}/${d.cycleKey}`, d]));
  const asOf = c.f.asOf ?? new Date().toISOString();
  return ordered.map((g) => {
    const d = byUnitYear.get(`${g.unitId}/${g.year}`);
    return {
      unitId: g.unitId,
      unitName: c.names.get(g.unitId) ?? g.unitId,
      committeeId: g.committeeId,
      committeeName: c.names.get(g.committeeId) ?? g.committeeId,
      year: g.year,
      grade: g.grade,
      gradedAt: g.setAt,
      obligationKey: c.policy.rectificationObligation,
      dueAt: d?.dueAt ?? null,
      submittedAt: d?.submittedAt ?? null,
      lateMs: d?.lateMs ?? null,
      outcome: outcomeOf(d, asOf),
      flags: consequences(g.grade, g.year).flags,
    };
  });
}

function rectificationTable(c: Context, rows: GradeRectification[], table5: boolean): Table {
  const w = W[c.locale];
  const at = (iso: string | null): string => (iso ? formatInstant(iso, c.zone, c.locale) : '');
  const outcome = (r: GradeRectification): string =>
    r.outcome === 'late' ? w.outcome.late(days(r.lateMs ?? 0)) : w.outcome[r.outcome];
  return {
    name: table5 ? 'table5' : 'grade-rectifications',
    locale: c.locale,
    title: table5 ? w.table5 : w.rectifications,
    headers: [...w.table5Headers],
    rows: rows.map((r, i) => [
      i + 1,
      r.committeeName,
      r.unitName,
      r.unitId,
      r.grade,
      at(r.gradedAt),
      at(r.dueAt),
      at(r.submittedAt),
      outcome(r),
      r.flags.map((f) => FLAG_NAMES[f as keyof typeof FLAG_NAMES][c.locale]).join('；'),
    ]),
    records: rows.map((r) => ({ ...r, lateMs: r.lateMs === null ? null : lateMinutesMs(r.lateMs) })),
  };
}

function table4(c: Context, year: number): Table {
  const w = W[c.locale];
  const thisYear = c.grades.filter((g) => g.year === year);
  const last = finalsOf(c, year - 1);
  const units = [...new Set(thisYear.map((g) => g.unitId))].sort(
    (a, b) =>
      (thisYear.find((g) => g.unitId === a)!.committeeId ?? '').localeCompare(
        thisYear.find((g) => g.unitId === b)!.committeeId ?? '',
      ) || a.localeCompare(b),
  );
  const records = units.map((unitId) => {
    const mine = thisYear.filter((g) => g.unitId === unitId);
    const step = (s: string) => mine.find((g) => g.step === s);
    const committeeId = mine[0]!.committeeId;
    const notes = mine.flatMap((g) => [
      ...g.overrides.map((o) => `${w.override[o]}：${g.overrideReason ?? ''}`),
      ...(g.reason ? [`${STEP_NAMES[g.step][c.locale]} ${g.previous ?? ''}→${g.grade}：${g.reason}`] : []),
    ]);
    return {
      unitId,
      committeeId,
      kind: c.kinds.get(unitId) ?? '',
      lastYear: last.get(unitId)?.grade ?? null,
      self: step('self')?.grade ?? null,
      preliminary: step('preliminary')?.grade ?? null,
      final: step('final')?.grade ?? null,
      notes: [...new Set(notes)],
    };
  });
  return {
    name: 'table4',
    locale: c.locale,
    title: `${w.table4}（${year}）`,
    headers: [...w.table4Headers],
    rows: records.map((r, i) => [
      i + 1,
      c.names.get(r.committeeId) ?? r.committeeId,
      c.names.get(r.unitId) ?? r.unitId,
      r.unitId,
      r.kind,
      r.lastYear ?? '',
      r.self ?? '',
      r.preliminary ?? '',
      r.final ?? '',
      r.final ? changeWord(c, r.lastYear ?? undefined, r.final) : '',
      r.notes.join('；'),
    ]),
    records,
  };
}

export async function buildGradeReport(
  store: LedgerStore,
  name: GradeReportName,
  f: GradeReportFilter,
): Promise<Table> {
  const c = await context(store, f);
  switch (name) {
    case 'grade-distribution':
      return distribution(c);
    case 'grade-changes':
      return changes(c);
    case 'grade-flags':
      return flags(c);
    case 'grade-rectifications':
      return rectificationTable(c, await rectificationsOf(store, c), false);
  }
}

/** Tables 4 and 5 of one grading year, per committee (`committeeId`) or for the university. */
export async function gradingTables(
  store: LedgerStore,
  f: GradeReportFilter & { year: number },
): Promise<[Table, Table]> {
  const c = await context(store, f);
  const t5 = rectificationTable(c, await rectificationsOf(store, c), true);
  return [table4(c, f.year), { ...t5, title: `${t5.title}（${f.year}）` }];
}

/**
 * Grades in the ledger (tables of migration 004; open with `SqlLedger.grades()`): per campaign,
 * year, branch and step, the grade in force (`grades`) and every grade ever accepted
 * (`grade_history`, never updated or deleted), each with who set it, when, from where, the reason
 * of a change and the office's reason for an override. Every accepted grade is also a `grade`
 * event, so a unit's history in the audit shows it.
 *
 * A batch is checked and written in one exclusive transaction: the rules (domain/grading.ts) see
 * the grades as they are at that moment, so two committees entering at once cannot both take the
 * last A of the university's share; a refused batch changes nothing.
 */
import type { Kysely } from 'kysely';
import {
  planGradeBatch,
  quotaStatus,
  type BatchContext,
  type GradedBranch,
  type GradeEntry,
  type GradeLetter,
  type Grader,
  type GradingPolicy,
  type GradingStep,
  type OverrideKind,
  type QuotaStatus,
} from '../domain/grading';
import type { GradesTable, LedgerDb } from './schema';

/**
 * Where a grade came in: the CLI, a file upload, the console's form, the JSON API, an import of
 * past grades, a rehearsal's behaviour file.
 */
export type GradeSource = 'cli' | 'upload' | 'web' | 'api' | 'import' | 'rehearsal';

export interface GradeRecord {
  campaignId: string;
  year: number;
  unitId: string;
  committeeId: string;
  step: GradingStep;
  grade: GradeLetter;
  /** 1 for the first grade; one more for each change. */
  revision: number;
  /** The grade this one replaced (history rows; the current row keeps it too). */
  previous?: GradeLetter;
  setBy: string;
  setAt: string;
  source: GradeSource;
  reason?: string;
  overrides: OverrideKind[];
  overrideReason?: string;
}

export interface EnterGradesRequest {
  campaignId: string;
  year: number;
  step: GradingStep;
  entries: GradeEntry[];
  grader: Grader;
  /** The person (name or email) who enters the grades. */
  by: string;
  /** ISO instant of the entry (a rehearsal's plan time, or now). */
  at: string;
  source: GradeSource;
  /** Names the source in error messages (a file name, `--grade`, `form`). */
  sourceName: string;
  fields?: BatchContext['fields'];
  policy: GradingPolicy;
  quotaOverride?: string;
  riseOverrides?: Record<string, string>;
  /** Grades of a past year, recorded as they were given (see `BatchContext.past`). */
  past?: boolean;
}

export interface EnterGradesResult {
  recorded: GradeRecord[];
  /** Branches whose entry repeated the grade in force. */
  unchanged: string[];
  quotas: QuotaStatus[];
  /** Committees all of whose graded branches now have a grade at this step. */
  completeCommittees: string[];
}

/** One branch's line of a grading sheet: what a committee or the office sees as it types. */
export interface SheetRow {
  unitId: string;
  name: string;
  kind?: string;
  committeeId: string;
  waived: boolean;
  lastYear?: GradeLetter;
  /** This step's grade in force. */
  grade?: GradeLetter;
  /** The grades of the other steps this year, for reference. */
  self?: GradeLetter;
  preliminary?: GradeLetter;
  final?: GradeLetter;
}

export interface GradeSheet {
  campaignId: string;
  year: number;
  step: GradingStep;
  rows: SheetRow[];
  quotas: QuotaStatus[];
}

export interface GradeFilter {
  year?: number;
  step?: GradingStep;
  committeeId?: string;
  unitId?: string;
}

/** A row of the grades and grade_history tables, as the database gives it back. */
type GradeRowDb = GradesTable;

const toRecord = (r: GradeRowDb): GradeRecord => ({
  campaignId: r.campaign_id,
  year: Number(r.year),
  unitId: r.unit_id,
  committeeId: r.committee_id,
  step: r.step as GradingStep,
  grade: r.grade as GradeLetter,
  revision: Number(r.revision),
  ...(r.previous_grade !== null ? { previous: r.previous_grade as GradeLetter } : {}),
  setBy: r.set_by,
  setAt: r.set_at,
  source: r.source as GradeSource,
  ...(r.reason !== null ? { reason: r.reason } : {}),
  overrides: r.overrides ? (r.overrides.split(',') as OverrideKind[]) : [],
  ...(r.override_reason !== null ? { overrideReason: r.override_reason } : {}),
});

/** Runs `fn` alone against the grades: the dialect's exclusive transaction (store.ts). */
export type Exclusive = <T>(fn: (db: Kysely<LedgerDb>) => Promise<T>) => Promise<T>;

export class GradeStore {
  constructor(
    private readonly db: Kysely<LedgerDb>,
    private readonly exclusive: Exclusive,
  ) {}

  /** The grades in force, by year, step and unit. */
  async grades(campaignId: string, f: GradeFilter = {}): Promise<GradeRecord[]> {
    let q = this.db.selectFrom('grades').selectAll().where('campaign_id', '=', campaignId);
    if (f.year !== undefined) q = q.where('year', '=', f.year);
    if (f.step !== undefined) q = q.where('step', '=', f.step);
    if (f.committeeId !== undefined) q = q.where('committee_id', '=', f.committeeId);
    if (f.unitId !== undefined) q = q.where('unit_id', '=', f.unitId);
    const rows = await q.orderBy('year').orderBy('step').orderBy('unit_id').execute();
    return rows.map(toRecord);
  }

  /** Every grade ever accepted, oldest first per branch and step. */
  async history(campaignId: string, f: GradeFilter = {}): Promise<GradeRecord[]> {
    let q = this.db.selectFrom('grade_history').selectAll().where('campaign_id', '=', campaignId);
    if (f.year !== undefined) q = q.where('year', '=', f.year);
    if (f.step !== undefined) q = q.where('step', '=', f.step);
    if (f.committeeId !== undefined) q = q.where('committee_id', '=', f.committeeId);
    if (f.unitId !== undefined) q = q.where('unit_id', '=', f.unitId);
    const rows = await q.orderBy('year').orderBy('unit_id').orderBy('step').orderBy('revision').execute();
    return rows.map(toRecord);
  }

  /** The branch's latest final grade (what a nomination is checked against). */
  async latestFinal(campaignId: string, unitId: string): Promise<{ grade: GradeLetter; year: number } | undefined> {
    const r = await this.db
      .selectFrom('grades')
      .select(['grade', 'year'])
      .where('campaign_id', '=', campaignId)
      .where('unit_id', '=', unitId)
      .where('step', '=', 'final')
      .orderBy('year', 'desc')
      .executeTakeFirst();
    return r ? { grade: r.grade as GradeLetter, year: Number(r.year) } : undefined;
  }

  /** The campaign's branches, each with its committee and whether it was waived from grading. */
  branches(campaignId: string, policy: GradingPolicy): Promise<GradedBranch[]> {
    return readBranches(this.db, campaignId, policy);
  }

  /** The sheet of a step: every branch (of a committee, or all), last year's grade, this year's, the share. */
  async sheet(
    campaignId: string,
    year: number,
    step: GradingStep,
    policy: GradingPolicy,
    committeeId?: string,
  ): Promise<GradeSheet> {
    const [branches, units, thisYear, last] = await Promise.all([
      this.branches(campaignId, policy),
      this.db
        .selectFrom('units')
        .select(['unit_id', 'name', 'kind'])
        .where('campaign_id', '=', campaignId)
        .where('level', '=', 'branch')
        .execute(),
      this.grades(campaignId, { year }),
      this.grades(campaignId, { year: year - 1, step: 'final' }),
    ]);
    const unit = new Map(units.map((u) => [u.unit_id, u]));
    const lastYear = new Map(last.map((g) => [g.unitId, g.grade]));
    const now = new Map(thisYear.map((g) => [`${g.unitId}/${g.step}`, g.grade]));
    const current: Record<string, GradeLetter> = {};
    for (const g of thisYear) if (g.step === step) current[g.unitId] = g.grade;
    const overridden = new Set(
      thisYear
        .filter((g) => g.step === step && g.overrides.includes('quota'))
        .map((g) => (step === 'final' ? 'university' : g.committeeId)),
    );
    const quotas = quotaStatus(step, branches, current, policy.aSharePercent, overridden).filter(
      (q) => committeeId === undefined || q.scope === committeeId || q.scope === 'university',
    );
    const rows: SheetRow[] = branches
      .filter((b) => committeeId === undefined || b.committeeId === committeeId)
      .map((b) => {
        const u = unit.get(b.unitId);
        const at = (s: GradingStep) => now.get(`${b.unitId}/${s}`);
        const row: SheetRow = {
          unitId: b.unitId,
          name: u?.name ?? b.unitId,
          committeeId: b.committeeId,
          waived: b.waived,
        };
        if (u?.kind) row.kind = u.kind;
        const values = { lastYear: lastYear.get(b.unitId), grade: at(step), self: at('self') };
        const more = { preliminary: at('preliminary'), final: at('final') };
        for (const [k, v] of Object.entries({ ...values, ...more }))
          if (v) (row as unknown as Record<string, string>)[k] = v;
        return row;
      });
    return { campaignId, year, step, rows, quotas };
  }

  /**
   * Checks a batch against the rules and records it, all or nothing. Throws `GradeInputError`
   * (every issue with its row and field) when any entry is refused.
   */
  enter(req: EnterGradesRequest): Promise<EnterGradesResult> {
    return this.exclusive(async (db) => {
      const branches = await readBranches(db, req.campaignId, req.policy);
      const recordedRows = await db
        .selectFrom('grades')
        .select(['unit_id', 'grade', 'revision'])
        .where('campaign_id', '=', req.campaignId)
        .where('year', '=', req.year)
        .where('step', '=', req.step)
        .execute();
      const lastRows = await db
        .selectFrom('grades')
        .select(['unit_id', 'grade'])
        .where('campaign_id', '=', req.campaignId)
        .where('year', '=', req.year - 1)
        .where('step', '=', 'final')
        .execute();
      const recorded = Object.fromEntries(
        recordedRows.map((r) => [r.unit_id, { grade: r.grade as GradeLetter, revision: Number(r.revision) }]),
      );
      const plan = planGradeBatch(req.entries, {
        year: req.year,
        step: req.step,
        grader: req.grader,
        branches,
        recorded,
        lastYear: Object.fromEntries(lastRows.map((r) => [r.unit_id, r.grade as GradeLetter])),
        policy: req.policy,
        quotaOverride: req.quotaOverride,
        riseOverrides: req.riseOverrides,
        past: req.past,
        source: req.sourceName,
        fields: req.fields,
      });
      const records: GradeRecord[] = plan.writes.map((w) => ({
        campaignId: req.campaignId,
        year: req.year,
        unitId: w.unitId,
        committeeId: w.committeeId,
        step: req.step,
        grade: w.grade,
        revision: w.revision,
        ...(w.previous ? { previous: w.previous } : {}),
        setBy: req.by,
        setAt: req.at,
        source: req.source,
        ...(w.reason ? { reason: w.reason } : {}),
        overrides: w.overrides,
        ...(w.overrideReason ? { overrideReason: w.overrideReason } : {}),
      }));
      for (const r of records) await writeGrade(db, r);
      const graded = new Set([...Object.keys(recorded), ...records.map((r) => r.unitId)]);
      const touched = new Set(
        [...records.map((r) => r.unitId), ...plan.unchanged].map(
          (id) => branches.find((b) => b.unitId === id)!.committeeId,
        ),
      );
      const completeCommittees = [...touched]
        .filter((c) => branches.every((b) => b.committeeId !== c || b.waived || graded.has(b.unitId)))
        .sort();
      return { recorded: records, unchanged: plan.unchanged, quotas: plan.quotas, completeCommittees };
    });
  }

  /**
   * Records grades of a past year as they were given (an import: the rules of that year were
   * applied then, so only the entries' shape and the branches are checked here). A grade already
   * imported is kept; a different one needs a reason, as any change does.
   */
  importPast(req: Omit<EnterGradesRequest, 'grader' | 'quotaOverride' | 'riseOverrides' | 'source'>) {
    return this.enter({ ...req, grader: { role: 'office' }, source: 'import', past: true });
  }
}

async function readBranches(db: Kysely<LedgerDb>, campaignId: string, policy: GradingPolicy): Promise<GradedBranch[]> {
  const units = await db
    .selectFrom('units')
    .select(['unit_id', 'committee_id', 'parent_id'])
    .where('campaign_id', '=', campaignId)
    .where('level', '=', 'branch')
    .orderBy('unit_id')
    .execute();
  const waived = new Set<string>();
  const selfKey = policy.obligations.self;
  if (selfKey !== undefined) {
    const rows = await db
      .selectFrom('deadlines')
      .select('unit_id')
      .where('campaign_id', '=', campaignId)
      .where('obligation_key', '=', selfKey)
      .where('waived_at', 'is not', null)
      .execute();
    for (const r of rows) waived.add(r.unit_id);
  }
  return units.map((u) => ({
    unitId: u.unit_id,
    committeeId: u.committee_id ?? u.parent_id ?? '',
    waived: waived.has(u.unit_id),
  }));
}

async function writeGrade(db: Kysely<LedgerDb>, r: GradeRecord): Promise<void> {
  const row = {
    campaign_id: r.campaignId,
    year: r.year,
    unit_id: r.unitId,
    committee_id: r.committeeId,
    step: r.step,
    grade: r.grade,
    revision: r.revision,
    previous_grade: r.previous ?? null,
    set_by: r.setBy,
    set_at: r.setAt,
    source: r.source,
    reason: r.reason ?? null,
    overrides: r.overrides.length > 0 ? r.overrides.join(',') : null,
    override_reason: r.overrideReason ?? null,
  };
  await db.insertInto('grade_history').values(row).execute();
  if (r.revision === 1) await db.insertInto('grades').values(row).execute();
  else
    await db
      .updateTable('grades')
      .set(row)
      .where('campaign_id', '=', r.campaignId)
      .where('year', '=', r.year)
      .where('unit_id', '=', r.unitId)
      .where('step', '=', r.step)
      .execute();
  await db
    .insertInto('events')
    .values({
      id: `grade/${r.year}/${r.step}/${r.unitId}/${r.revision}`,
      campaign_id: r.campaignId,
      kind: 'grade',
      at: r.setAt,
      phase_key: null,
      obligation_key: null,
      cycle_key: String(r.year),
      unit_id: r.unitId,
      committee_id: r.committeeId,
      step: `grade-${r.step}`,
      actor: r.setBy,
      reason: r.reason ?? r.overrideReason ?? null,
      due_at: null,
      late_ms: null,
      message_id: null,
      recipients: null,
      error: null,
      data: JSON.stringify({
        year: r.year,
        step: r.step,
        grade: r.grade,
        revision: r.revision,
        ...(r.previous ? { previous: r.previous } : {}),
        source: r.source,
        ...(r.overrides.length > 0 ? { overrides: r.overrides, overrideReason: r.overrideReason } : {}),
      }),
    })
    .onConflict((oc) => oc.column('id').doNothing())
    .execute();
}

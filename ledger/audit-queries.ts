/**
 * The audit's queries in SQL, run by the store (store.ts) on SQLite and PostgreSQL alike through
 * Kysely: they read the per-deadline summary (schema.ts) and aggregate in the database. What
 * late, missing and open mean is written in audit.ts.
 */
import { sql, type Kysely, type SelectQueryBuilder } from 'kysely';
import type { LedgerDb } from './schema';
import type {
  AuditFilter,
  DeadlineRow,
  LateReview,
  ListOptions,
  OpenRectification,
  UnitLag,
  UnitLagOptions,
} from './types';

type DeadlineQuery = SelectQueryBuilder<LedgerDb, 'deadlines', object>;

function filtered(q: DeadlineQuery, f: AuditFilter): DeadlineQuery {
  let out = q.where('deadlines.campaign_id', '=', f.campaignId);
  if (f.phaseKey !== undefined) out = out.where('deadlines.phase_key', '=', f.phaseKey);
  if (f.obligationKey !== undefined) out = out.where('deadlines.obligation_key', '=', f.obligationKey);
  if (f.cycleKey !== undefined) out = out.where('deadlines.cycle_key', '=', f.cycleKey);
  if (f.committeeId !== undefined) out = out.where('deadlines.committee_id', '=', f.committeeId);
  if (f.unitIds !== undefined)
    // `IN ()` is not SQL: a scope without units reads nothing rather than everything.
    out = f.unitIds.length === 0 ? out.where(sql<boolean>`1 = 0`) : out.where('deadlines.unit_id', 'in', f.unitIds);
  if (f.dueFrom !== undefined) out = out.where('deadlines.due_at', '>=', f.dueFrom);
  if (f.dueBefore !== undefined) out = out.where('deadlines.due_at', '<', f.dueBefore);
  return out;
}

const num = (v: unknown): number => (v === null || v === undefined ? 0 : Number(v));

/** A leader review is a deadline of the reviewer whose obligation is `<obligation>.review`. */
const REVIEW_SUFFIX = '.review';
const REVIEWS = `%${REVIEW_SUFFIX}`;

/** Only the deadlines of one role: the unit's own reports, or the reviews it owes on others'. */
function ofRole<Q extends DeadlineQuery>(q: Q, role: 'submitter' | 'reviewer'): Q {
  return (
    role === 'reviewer'
      ? q.where('deadlines.obligation_key', 'like', REVIEWS)
      : q.where('deadlines.obligation_key', 'not like', REVIEWS)
  ) as Q;
}

/** Per unit: deadlines, late, missing, total and longest lateness, highest escalation, open orders. */
export async function unitLags(db: Kysely<LedgerDb>, f: AuditFilter, opts: UnitLagOptions = {}): Promise<UnitLag[]> {
  const asOf = f.asOf ?? new Date().toISOString();
  const missing = sql<number>`SUM(CASE WHEN deadlines.submitted_at IS NULL AND deadlines.waived_at IS NULL AND deadlines.due_at < ${asOf} THEN 1 ELSE 0 END)`;
  const late = sql<number>`SUM(CASE WHEN deadlines.late_ms > 0 THEN 1 ELSE 0 END)`;
  let q = ofRole(filtered(db.selectFrom('deadlines'), f), opts.role ?? 'submitter')
    .leftJoin('units', (j) =>
      j.onRef('units.campaign_id', '=', 'deadlines.campaign_id').onRef('units.unit_id', '=', 'deadlines.unit_id'),
    )
    .select([
      'deadlines.unit_id as unitId',
      sql<string>`MAX(COALESCE(units.name, deadlines.unit_id))`.as('unitName'),
      sql<string>`MAX(COALESCE(units.level, ''))`.as('level'),
      sql<string | null>`MAX(deadlines.committee_id)`.as('committeeId'),
      sql<number>`COUNT(*)`.as('deadlines'),
      late.as('late'),
      missing.as('missing'),
      sql<number>`SUM(CASE WHEN deadlines.late_ms > 0 THEN deadlines.late_ms ELSE 0 END)`.as('totalLateMs'),
      sql<number>`MAX(CASE WHEN deadlines.late_ms > 0 THEN deadlines.late_ms ELSE 0 END)`.as('longestLateMs'),
      sql<number>`MAX(deadlines.escalation)`.as('highestEscalation'),
      sql<number>`SUM(CASE WHEN deadlines.rectification_deadline IS NOT NULL AND deadlines.submitted_at IS NULL AND deadlines.waived_at IS NULL THEN 1 ELSE 0 END)`.as(
        'openRectifications',
      ),
    ])
    .groupBy('deadlines.unit_id');
  if (opts.level !== undefined) q = q.where('units.level', '=', opts.level);
  if (opts.onlyLagging) q = q.having((eb) => eb.or([eb(late, '>', 0), eb(missing, '>', 0)]));
  const rows = await q.orderBy('deadlines.unit_id').execute();
  return rows.map((r) => ({
    unitId: r.unitId,
    unitName: r.unitName,
    level: r.level,
    committeeId: r.committeeId,
    deadlines: num(r.deadlines),
    late: num(r.late),
    missing: num(r.missing),
    totalLateMs: num(r.totalLateMs),
    longestLateMs: num(r.longestLateMs),
    highestEscalation: num(r.highestEscalation),
    openRectifications: num(r.openRectifications),
  }));
}

export async function deadlineRows(
  db: Kysely<LedgerDb>,
  f: AuditFilter & { unitId?: string; open?: boolean },
): Promise<DeadlineRow[]> {
  let q = filtered(db.selectFrom('deadlines'), f).selectAll();
  if (f.unitId !== undefined) q = q.where('deadlines.unit_id', '=', f.unitId);
  if (f.open) q = q.where('deadlines.submitted_at', 'is', null).where('deadlines.waived_at', 'is', null);
  const rows = await q.orderBy('due_at').orderBy('unit_id').execute();
  return rows.map((r) => ({
    obligationKey: r.obligation_key,
    cycleKey: r.cycle_key,
    unitId: r.unit_id,
    committeeId: r.committee_id,
    phaseKey: r.phase_key,
    dueAt: r.due_at,
    submittedAt: r.submitted_at,
    lateMs: r.late_ms === null ? null : Number(r.late_ms),
    waivedAt: r.waived_at,
    extensions: Number(r.extensions),
    highestEscalation: Number(r.escalation),
    rectificationDeadline: r.rectification_deadline,
    closedOutcome: r.closed_outcome,
  }));
}

/** Orders neither answered nor waived. Orders go to submitters only: a review's ladder ends in reminders. */
function openRectificationQuery(db: Kysely<LedgerDb>, f: AuditFilter) {
  return ofRole(filtered(db.selectFrom('deadlines'), f), 'submitter')
    .where('deadlines.rectification_deadline', 'is not', null)
    .where('deadlines.submitted_at', 'is', null)
    .where('deadlines.waived_at', 'is', null);
}

/** How many rows a list query would return, counted by the database. */
async function countOf(q: DeadlineQuery): Promise<number> {
  const r = await q.select(sql<number>`COUNT(*)`.as('n')).executeTakeFirst();
  return num(r?.n);
}

export function openRectificationCount(db: Kysely<LedgerDb>, f: AuditFilter): Promise<number> {
  return countOf(openRectificationQuery(db, f));
}

export async function openRectifications(
  db: Kysely<LedgerDb>,
  f: AuditFilter,
  opts: ListOptions = {},
): Promise<OpenRectification[]> {
  const asOf = f.asOf ?? new Date().toISOString();
  let q = openRectificationQuery(db, f)
    .leftJoin('units', (j) =>
      j.onRef('units.campaign_id', '=', 'deadlines.campaign_id').onRef('units.unit_id', '=', 'deadlines.unit_id'),
    )
    .select([
      'deadlines.unit_id as unitId',
      'units.name as unitName',
      'deadlines.obligation_key as obligationKey',
      'deadlines.cycle_key as cycleKey',
      'deadlines.due_at as dueAt',
      'deadlines.rectification_deadline as rectificationDeadline',
    ])
    // A total order, so that the first rows of a limited list are those of the whole list.
    .orderBy('deadlines.rectification_deadline')
    .orderBy('deadlines.unit_id')
    .orderBy('deadlines.obligation_key')
    .orderBy('deadlines.cycle_key');
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  const rows = await q.execute();
  return rows.map((r) => ({
    unitId: r.unitId,
    unitName: r.unitName ?? r.unitId,
    obligationKey: r.obligationKey,
    cycleKey: r.cycleKey,
    dueAt: r.dueAt,
    rectificationDeadline: r.rectificationDeadline!,
    overdue: r.rectificationDeadline! < asOf,
  }));
}

/**
 * Leader reviews given late or not at all, one row per reviewed report. The filter's obligation
 * and cycle name the reviewed report's (`report`, `2010-Q3`), as a person asks for them.
 */
/** A reviewer's deadline answered late, or due before asOf and neither answered nor waived. */
function lateReviewQuery(db: Kysely<LedgerDb>, f: AuditFilter) {
  const asOf = f.asOf ?? new Date().toISOString();
  const { obligationKey, cycleKey, ...rest } = f;
  let q = ofRole(filtered(db.selectFrom('deadlines'), rest), 'reviewer').where((eb) =>
    eb.or([
      eb('deadlines.late_ms', '>', 0),
      eb.and([
        eb('deadlines.submitted_at', 'is', null),
        eb('deadlines.waived_at', 'is', null),
        eb('deadlines.due_at', '<', asOf),
      ]),
    ]),
  );
  if (obligationKey !== undefined) q = q.where('deadlines.obligation_key', '=', `${obligationKey}${REVIEW_SUFFIX}`);
  if (cycleKey !== undefined) q = q.where('deadlines.cycle_key', 'like', `${cycleKey}:%`);
  return q;
}

export function lateReviewCount(db: Kysely<LedgerDb>, f: AuditFilter): Promise<number> {
  return countOf(lateReviewQuery(db, f));
}

export async function lateReviews(db: Kysely<LedgerDb>, f: AuditFilter, opts: ListOptions = {}): Promise<LateReview[]> {
  let q = lateReviewQuery(db, f)
    .leftJoin('units', (j) =>
      j.onRef('units.campaign_id', '=', 'deadlines.campaign_id').onRef('units.unit_id', '=', 'deadlines.unit_id'),
    )
    .select([
      'deadlines.unit_id as reviewerId',
      'units.name as reviewerName',
      'deadlines.obligation_key as obligationKey',
      'deadlines.cycle_key as cycleKey',
      'deadlines.due_at as dueAt',
      'deadlines.submitted_at as commentedAt',
      'deadlines.late_ms as lateMs',
    ])
    // A total order, so that the first rows of a limited list are those of the whole list.
    .orderBy('deadlines.due_at')
    .orderBy('deadlines.unit_id')
    .orderBy('deadlines.cycle_key')
    .orderBy('deadlines.obligation_key');
  if (opts.limit !== undefined) q = q.limit(opts.limit);
  const rows = await q.execute();
  // Unit ids and cycle keys hold no colon; the review's cycle is `<cycle>:<reviewed unit>`.
  const reviewedOf = (cycleKey: string): string => {
    const colon = cycleKey.lastIndexOf(':');
    return colon < 0 ? '' : cycleKey.slice(colon + 1);
  };
  let unitNames = db.selectFrom('units').select(['unit_id', 'name']).where('campaign_id', '=', f.campaignId);
  // A limited list names only its own reviewed units (a whole list may name more than a statement takes).
  if (opts.limit !== undefined && rows.length > 0)
    unitNames = unitNames.where('unit_id', 'in', [...new Set(rows.map((r) => reviewedOf(r.cycleKey)))]);
  const names = new Map((await unitNames.execute()).map((u) => [u.unit_id, u.name]));
  return rows.map((r) => {
    const colon = r.cycleKey.lastIndexOf(':');
    const reviewedUnitId = reviewedOf(r.cycleKey);
    return {
      reviewerId: r.reviewerId,
      reviewerName: r.reviewerName ?? r.reviewerId,
      obligationKey: r.obligationKey.slice(0, -REVIEW_SUFFIX.length),
      cycleKey: colon < 0 ? r.cycleKey : r.cycleKey.slice(0, colon),
      reviewedUnitId,
      reviewedUnitName: names.get(reviewedUnitId) ?? reviewedUnitId,
      dueAt: r.dueAt,
      commentedAt: r.commentedAt,
      lateMs: num(r.lateMs),
      // A row is either late (so given) or missing.
      missing: r.commentedAt === null,
    };
  });
}
